import type { DiscordEmulator, MessageRecord } from '../../emulators/discord';
import { discordEntry, server } from '../../support/discord';
import { useGatewayTest, type FixtureOptions } from '../../support/fixture';
import { rigBoot, type RigOptions, type RigRun } from '../../support/rig';

type Server = ReturnType<typeof server>;

/** One test's Discord world: the emulator, its server, a gateway on it, and what reaches NATS. */
export interface DiscordRun extends RigRun<DiscordEmulator> {
  ws: Server;
  /** What the bot posted, in order. */
  posts(): MessageRecord[];
  /** The HTTP routes the bot called, in order (only `routes`, when given). */
  calls(...routes: string[]): string[];
}

export interface BootOptions extends RigOptions<DiscordEmulator, Server> {
  app?: { messageContent?: boolean; serverMembers?: boolean };
}

/** The Discord tests on the gateway test fixture: `boot` gives a fresh server on the test's emulator and a gateway connected to it. */
export function discordRig(fixture: FixtureOptions = {}) {
  const t = useGatewayTest({ emulator: 'discord', ...fixture });
  const boot: (o?: BootOptions) => Promise<DiscordRun> = rigBoot(t, {
    channel: 'discord',
    world: (emu, o: BootOptions) => server(emu, o.app),
    entry: (emu, ws, extra) => discordEntry(emu.apiUrl, ws.app, extra),
    connected: (emu, ws) => emu.waitForConnections(ws.app.appId, 1),
    extend: (emu, ws) => ({
      ws,
      posts: () => emu.posted(ws.app.appId),
      calls: (...routes: string[]) =>
        emu.rest.requests.filter((r) => r.appId === ws.app.appId && (routes.length ? routes.includes(r.route) : true)).map((r) => r.route),
    }),
  });
  return { t, boot };
}

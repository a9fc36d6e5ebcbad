import type { SlackEmulator } from '../../emulators/slack';
import { useGatewayTest, type FixtureOptions } from '../../support/fixture';
import { rigBoot, type RigOptions, type RigRun } from '../../support/rig';
import { slackEntry, workspace } from '../../support/slack';

type Workspace = ReturnType<typeof workspace>;

/** One test's Slack world: the emulator, its workspace, a gateway on it, and what reaches NATS. */
export interface SlackRun extends RigRun<SlackEmulator> {
  ws: Workspace;
  /** What the bot posted (streams and file shares included). */
  posts(): SlackEmulator['posted'];
  /** The Web API methods the bot called, in order (only `methods`, when given). */
  calls(...methods: string[]): string[];
}

export interface BootOptions extends RigOptions<SlackEmulator, Workspace> {
  scopes?: string[];
  assistant?: boolean;
}

/**
 * The Slack tests of plugin API 1.2 on the gateway test fixture: `boot` gives a fresh workspace on the
 * test's emulator, a gateway connected to it, and helpers to publish and to read what Slack received.
 */
export function slackRig(fixture: FixtureOptions = {}) {
  const t = useGatewayTest({ emulator: 'slack', ...fixture });
  const boot: (o?: BootOptions) => Promise<SlackRun> = rigBoot(t, {
    channel: 'slack',
    world: (emu, o: BootOptions) => workspace(emu, o.scopes, o.assistant),
    entry: (emu, ws, extra) => slackEntry(emu.apiUrl, ws.app, extra),
    connected: (emu, ws) => emu.waitForConnections(ws.app.appId, 1),
    extend: (emu, ws) => ({
      ws,
      posts: () => emu.posted.filter((p) => p.appId === ws.app.appId),
      calls: (...methods: string[]) =>
        emu.requests.filter((r) => r.appId === ws.app.appId && (methods.length ? methods.includes(r.method) : true)).map((r) => r.method),
    }),
  });
  return { t, boot };
}

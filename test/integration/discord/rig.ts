import type { InboundAny, Receipt } from '../../../core/contract/schemas';
import type { DiscordEmulator, EmulatorOptions, MessageRecord } from '../../emulators/discord';
import type { Collector } from '../../support/collector';
import { discordConfig, server } from '../../support/discord';
import { useGatewayTest, type Booted, type FixtureOptions } from '../../support/fixture';
import { uniquePrefix } from '../../support/nats-server';

/** One test's Discord world: the emulator, its server, a gateway on it, and what reaches NATS. */
export interface DiscordRun {
  emu: DiscordEmulator;
  ws: ReturnType<typeof server>;
  prefix: string;
  gw: Booted;
  /** Every inbound envelope (messages and events). */
  inbox: Collector<InboundAny>;
  receipts: Collector<Receipt>;
  /** Publishes an outbound envelope for the instance. */
  send(env: Record<string, unknown>): void;
  /** The receipt of envelope `id`, once it came. */
  receipt(id: string, timeoutMs?: number): Promise<Receipt>;
  /** What the bot posted, in order. */
  posts(): MessageRecord[];
  /** The HTTP routes the bot called, in order (only `routes`, when given). */
  calls(...routes: string[]): string[];
}

export interface BootOptions {
  /** YAML lines of the entry (indented 4), after its `allowFrom`. */
  extra?: string;
  /** Top-level YAML sections of the gateway config (`media:` ...). */
  top?: string;
  emulator?: EmulatorOptions;
  app?: { messageContent?: boolean; serverMembers?: boolean };
  /** The entry's allowFrom (YAML), from the server's people; default everyone. */
  allowFrom?: (ws: ReturnType<typeof server>) => string;
}

/** The Discord tests on the gateway test fixture: `boot` gives a fresh server on the test's emulator and a gateway connected to it. */
export function discordRig(fixture: FixtureOptions = {}) {
  const t = useGatewayTest({ emulator: 'discord', ...fixture });
  const boot = async (o: BootOptions = {}): Promise<DiscordRun> => {
    const emu = t.emu;
    if (o.emulator) emu.configure(o.emulator);
    const ws = server(emu, o.app);
    const prefix = uniquePrefix();
    const extra = `    allowFrom: ${o.allowFrom?.(ws) ?? '["*"]'}\n${o.extra ?? ''}`;
    const gw = await t.boot(discordConfig(t.nats.url, prefix, emu.apiUrl, ws.app, extra, o.top ?? ''));
    await emu.waitForConnections(ws.app.appId, 1);
    return {
      emu,
      ws,
      prefix,
      gw,
      inbox: gw.inbox as Collector<InboundAny>,
      receipts: gw.receipts,
      send: (env) => gw.publish('discord.default', env),
      receipt: (id, timeoutMs = 15_000) => gw.receipts.waitForId(id, timeoutMs),
      posts: () => emu.posted(ws.app.appId),
      calls: (...routes) =>
        emu.rest.requests.filter((r) => r.appId === ws.app.appId && (routes.length ? routes.includes(r.route) : true)).map((r) => r.route),
    };
  };
  return { t, boot };
}

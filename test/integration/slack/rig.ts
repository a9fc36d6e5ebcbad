import type { InboundAny, Receipt } from '../../../core/contract/schemas';
import type { EmulatorOptions, SlackEmulator } from '../../emulators/slack';
import { useGatewayTest, type Booted, type FixtureOptions } from '../../support/fixture';
import type { Collector } from '../../support/collector';
import { slackConfig, workspace } from '../../support/slack';
import { uniquePrefix } from '../../support/nats-server';

/** One test's Slack world: the emulator, its workspace, a gateway on it, and what reaches NATS. */
export interface SlackRun {
  emu: SlackEmulator;
  ws: ReturnType<typeof workspace>;
  prefix: string;
  gw: Booted;
  /** Every inbound envelope (messages and events). */
  inbox: Collector<InboundAny>;
  receipts: Collector<Receipt>;
  /** Publishes an outbound envelope for the instance. */
  send(env: Record<string, unknown>): void;
  /** The receipt of envelope `id`, once it came. */
  receipt(id: string, timeoutMs?: number): Promise<Receipt>;
  /** What the bot posted (streams and file shares included). */
  posts(): SlackEmulator['posted'];
  /** The Web API methods the bot called, in order (only `methods`, when given). */
  calls(...methods: string[]): string[];
}

export interface BootOptions {
  /** YAML lines of the entry (indented 4), after its `allowFrom`. */
  extra?: string;
  /** Top-level YAML sections of the gateway config (`media:` ...). */
  top?: string;
  /** Settings of the emulator for this test (limits, stream timeout, edit window...). */
  emulator?: EmulatorOptions;
  scopes?: string[];
  assistant?: boolean;
  /** The entry's allowFrom (YAML), from the workspace's people; default everyone. */
  allowFrom?: (ws: ReturnType<typeof workspace>) => string;
}

/**
 * The Slack tests of plugin API 1.2 on the gateway test fixture: `boot` gives a fresh workspace on the
 * test's emulator, a gateway connected to it, and helpers to publish and to read what Slack received.
 */
export function slackRig(fixture: FixtureOptions = {}) {
  const t = useGatewayTest({ emulator: 'slack', ...fixture });
  const boot = async (o: BootOptions = {}): Promise<SlackRun> => {
    const emu = t.emu;
    if (o.emulator) emu.configure(o.emulator);
    const ws = workspace(emu, o.scopes, o.assistant);
    const prefix = uniquePrefix();
    const extra = `    allowFrom: ${o.allowFrom?.(ws) ?? '["*"]'}\n${o.extra ?? ''}`;
    const gw = await t.boot(slackConfig(t.nats.url, prefix, emu.apiUrl, ws.app, extra, 'default', o.top ?? ''));
    await emu.waitForConnections(ws.app.appId, 1);
    return {
      emu,
      ws,
      prefix,
      gw,
      inbox: gw.inbox as Collector<InboundAny>,
      receipts: gw.receipts,
      send: (env) => gw.publish('slack.default', env),
      receipt: (id, timeoutMs = 15_000) => gw.receipts.waitForId(id, timeoutMs),
      posts: () => emu.posted.filter((p) => p.appId === ws.app.appId),
      calls: (...methods) =>
        emu.requests.filter((r) => r.appId === ws.app.appId && (methods.length ? methods.includes(r.method) : true)).map((r) => r.method),
    };
  };
  return { t, boot };
}

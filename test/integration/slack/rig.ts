import type { NatsConnection } from '@nats-io/transport-node';
import type { InboundAny, Receipt } from '../../../core/contract/schemas';
import type { EmulatorOptions, SlackEmulator } from '../../emulators/slack';
import { Collector, client, loopbackConfig, startGateway, type Started } from '../../support';
import { startNats, uniquePrefix, type TestNats } from '../../support/nats-server';
import { slackEntry, startEmulator, workspace } from './setup';

/** One test's Slack world: the emulator, its workspace, a gateway on it, and what reaches NATS. */
export interface SlackRun {
  emu: SlackEmulator;
  ws: ReturnType<typeof workspace>;
  prefix: string;
  run: Started;
  inbox: Collector<InboundAny>;
  receipts: Collector<Receipt>;
  /** Publishes an outbound envelope for the instance. */
  send(env: Record<string, unknown>): void;
  /** The receipt of envelope `id`, once it came. */
  receipt(id: string, timeoutMs?: number): Promise<Receipt>;
  /** What the bot posted (streams and file shares included). */
  posts(): SlackEmulator['posted'];
  /** The Web API methods the bot called, in order, those of Socket Mode left out. */
  calls(...methods: string[]): string[];
}

export interface BootOptions {
  /** YAML lines of the entry (indented 4), after `allowFrom: ["*"]`. */
  extra?: string;
  emulator?: EmulatorOptions;
  scopes?: string[];
  assistant?: boolean;
  /** Top-level YAML of the gateway config (`media:` ...). */
  top?: string;
  /** The entry's allowFrom (YAML), from the workspace's people; default everyone. */
  allowFrom?: (ws: ReturnType<typeof workspace>) => string;
}

/**
 * Registers the hooks of a Slack integration test file (a NATS for the file; per test an emulator and
 * a gateway, stopped after it) and returns `boot`, which starts them.
 */
export function slackRig(): { nc: () => NatsConnection; nats: () => TestNats; boot: (o?: BootOptions) => Promise<SlackRun> } {
  let nats: TestNats;
  let nc: NatsConnection;
  let current: SlackRun | undefined;
  beforeAll(async () => {
    nats = await startNats();
    nc = await client(nats.url);
  });
  afterEach(async () => {
    const r = current;
    current = undefined;
    if (!r) return;
    r.inbox.close();
    r.receipts.close();
    await r.run.gateway.stop();
    await r.emu.stop();
    expect(r.emu.protocolErrors).toEqual([]);
  });
  afterAll(async () => {
    await nc.close();
    await nats.close();
  });
  const boot = async (o: BootOptions = {}): Promise<SlackRun> => {
    const emu = await startEmulator(o.emulator);
    const ws = workspace(emu, o.scopes, o.assistant);
    const prefix = uniquePrefix();
    const inbox = new Collector<InboundAny>(nc, `${prefix}.in.>`);
    const receipts = new Collector<Receipt>(nc, `${prefix}.receipt.>`);
    await nc.flush();
    const entry = slackEntry(emu.apiUrl, ws.app, `    allowFrom: ${o.allowFrom?.(ws) ?? '["*"]'}\n${o.extra ?? ''}`);
    const run = await startGateway(loopbackConfig(nats.url, prefix, entry, o.top ?? ''));
    await emu.waitForConnections(ws.app.appId, 1);
    current = {
      emu,
      ws,
      prefix,
      run,
      inbox,
      receipts,
      send: (env) => nc.publish(`${prefix}.out.slack.default`, JSON.stringify(env)),
      receipt: async (id, timeoutMs = 15_000) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const r = receipts.items.find((x) => x.id === id);
          if (r) return r;
          if (Date.now() > deadline)
            throw new Error(`no receipt for ${id} in ${timeoutMs} ms (got ${receipts.items.map((x) => x.id).join(', ')})`);
          await new Promise((res) => setTimeout(res, 10));
        }
      },
      posts: () => emu.posted.filter((p) => p.appId === ws.app.appId),
      calls: (...methods) =>
        emu.requests.filter((r) => r.appId === ws.app.appId && (methods.length ? methods.includes(r.method) : true)).map((r) => r.method),
    };
    return current;
  };
  return { nc: () => nc, nats: () => nats, boot };
}

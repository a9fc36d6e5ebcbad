import type { InboundAny, Receipt } from '../../../core/contract/schemas';
import type { BotInfo, EmulatorOptions, WeComEmulator } from '../../emulators/wecom';
import { useGatewayTest, type Booted } from '../../support/fixture';
import type { Collector } from '../../support/collector';
import { loopbackConfig } from '../../support/harness';
import { uniquePrefix } from '../../support/nats-server';
import { startEmulator, wecomEntry } from '../../support/wecom';

/** One test's WeCom world: the emulator, a bot, a group with it, a gateway on it, and what reaches NATS. */
export interface WeComRun {
  emu: WeComEmulator;
  bot: BotInfo;
  group: string;
  prefix: string;
  gw: Booted;
  file: string;
  inbox: Collector<InboundAny>;
  receipts: Collector<Receipt>;
  send(env: Record<string, unknown>): void;
  receipt(id: string, timeoutMs?: number): Promise<Receipt>;
}

export interface BootOptions {
  /** YAML lines of the entry (indented 4), after its `allowFrom`. */
  extra?: string;
  /** Top-level YAML sections (`media:` ...). */
  top?: string;
  emulator?: EmulatorOptions;
  allowFrom?: string;
}

/** The WeCom tests on the gateway fixture: a fresh emulator per test, `boot` a bot and a gateway connected to it. */
export function wecomRig() {
  const t = useGatewayTest();
  let emu: WeComEmulator | undefined;
  beforeEach(async () => {
    emu = await startEmulator();
  });
  afterEach(async () => {
    const e = emu;
    emu = undefined;
    await e?.stop();
    if (e?.protocolErrors.length)
      throw new Error(`the emulator saw protocol errors: ${e.protocolErrors.map((x) => x.error.message).join('; ')}`);
  });
  const boot = async (o: BootOptions = {}): Promise<WeComRun> => {
    const e = emu!;
    if (o.emulator) e.configure(o.emulator);
    const bot = e.addBot({ name: 'Data Bot' });
    const group = e.addGroup([bot.botId]);
    const prefix = uniquePrefix();
    const extra = `    allowFrom: ${o.allowFrom ?? '["*"]'}\n${o.extra ?? ''}`;
    const gw = await t.boot(loopbackConfig(t.nats.url, prefix, wecomEntry(e.wsUrl, bot, extra), o.top ?? ''));
    await e.waitForConnection(bot.botId);
    return {
      emu: e,
      bot,
      group,
      prefix,
      gw,
      file: gw.file,
      inbox: gw.inbox as Collector<InboundAny>,
      receipts: gw.receipts,
      send: (env) => gw.publish('wecom.default', env),
      receipt: (id, timeoutMs = 15_000) => gw.receipts.waitForId(id, timeoutMs),
    };
  };
  return { t, boot, emu: () => emu! };
}

import type { InboundAny, Receipt } from '../../../core/contract/schemas';
import type { DingTalkEmulator, EmulatorOptions } from '../../emulators/dingtalk';
import type { Collector } from '../../support/collector';
import { dingtalkEntry, organisation, startEmulator } from '../../support/dingtalk';
import { useGatewayTest, type Booted, type FixtureOptions } from '../../support/fixture';
import { loopbackConfig } from '../../support/harness';
import { uniquePrefix } from '../../support/nats-server';

/** One test's DingTalk world: the emulator, its organisation, a gateway on it, and what reaches NATS. */
export interface DingTalkRun {
  emu: DingTalkEmulator;
  org: ReturnType<typeof organisation>;
  prefix: string;
  gw: Booted;
  inbox: Collector<InboundAny>;
  receipts: Collector<Receipt>;
  send(env: Record<string, unknown>): void;
  receipt(id: string, timeoutMs?: number): Promise<Receipt>;
  /** Inbound envelopes, once `n` arrived. */
  inbound(n: number, timeoutMs?: number): Promise<InboundAny[]>;
}

export interface BootOptions {
  /** YAML lines of the entry (indented 4), after its `allowFrom`. */
  extra?: string;
  top?: string;
  emulator?: EmulatorOptions;
  /** No AI card template configured. */
  noCards?: boolean;
  scopes?: string[];
  allowFrom?: (org: ReturnType<typeof organisation>) => string;
}

/** The DingTalk tests on the gateway fixture: `boot` starts an emulator, its organisation and a gateway on it. */
export function dingtalkRig(fixture: FixtureOptions = {}) {
  const t = useGatewayTest(fixture);
  const boot = async (o: BootOptions = {}): Promise<DingTalkRun> => {
    const emu = await startEmulator(o.emulator);
    t.defer(async () => {
      await emu.stop();
      if (emu.protocolErrors.length)
        throw new Error(`the emulator saw protocol errors: ${emu.protocolErrors.map((e) => e.error.message).join('; ')}`);
    });
    const org = organisation(emu, o.scopes ? { scopes: o.scopes } : {});
    const prefix = uniquePrefix();
    const extra = `    allowFrom: ${o.allowFrom?.(org) ?? '["*"]'}\n${o.extra ?? ''}`;
    const gw = await t.boot(loopbackConfig(t.nats.url, prefix, dingtalkEntry(emu, o.noCards ? { bot: org.bot } : org, extra), o.top ?? ''));
    await emu.waitForConnections(org.bot.clientId, 1);
    return {
      emu,
      org,
      prefix,
      gw,
      inbox: gw.inbox as Collector<InboundAny>,
      receipts: gw.receipts,
      send: (env) => gw.publish('dingtalk.default', env),
      receipt: (id, timeoutMs = 15_000) => gw.receipts.waitForId(id, timeoutMs),
      inbound: async (n, timeoutMs = 10_000) => (await gw.inbox.waitFor(n, timeoutMs)) as InboundAny[],
    };
  };
  return { t, boot };
}

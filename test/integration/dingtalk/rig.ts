import type { InboundAny } from '../../../core/contract/schemas';
import type { DingTalkEmulator } from '../../emulators/dingtalk';
import { dingtalkEntry, organisation } from '../../support/dingtalk';
import { useGatewayTest, type FixtureOptions } from '../../support/fixture';
import { rigBoot, type RigOptions, type RigRun } from '../../support/rig';

type Organisation = ReturnType<typeof organisation>;

/** One test's DingTalk world: the emulator, its organisation, a gateway on it, and what reaches NATS. */
export interface DingTalkRun extends RigRun<DingTalkEmulator> {
  org: Organisation;
  /** Inbound envelopes, once `n` arrived. */
  inbound(n: number, timeoutMs?: number): Promise<InboundAny[]>;
}

export interface BootOptions extends RigOptions<DingTalkEmulator, Organisation> {
  /** No AI card template configured. */
  noCards?: boolean;
  scopes?: string[];
}

/** The DingTalk tests on the gateway fixture: `boot` gives an organisation on the test's emulator and a gateway on it. */
export function dingtalkRig(fixture: FixtureOptions = {}) {
  const t = useGatewayTest({ emulator: 'dingtalk', ...fixture });
  const boot: (o?: BootOptions) => Promise<DingTalkRun> = rigBoot(t, {
    channel: 'dingtalk',
    world: (emu, o: BootOptions) => organisation(emu, o.scopes ? { scopes: o.scopes } : {}),
    entry: (emu, org, extra, o) => dingtalkEntry(emu, o.noCards ? { bot: org.bot } : org, extra),
    connected: (emu, org) => emu.waitForConnections(org.bot.clientId, 1),
    extend: (_emu, org, gw) => ({
      org,
      inbound: async (n: number, timeoutMs = 10_000) => (await gw.inbox.waitFor(n, timeoutMs)) as InboundAny[],
    }),
  });
  return { t, boot };
}

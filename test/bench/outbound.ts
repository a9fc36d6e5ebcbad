/**
 * Outbound: envelopes published by an agent (gateway) or `im.v1.message.create` calls (baseline) until
 * the emulator accepted the message ('sent'); texts carry `<round>|<i>|<start ms>`.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { FeishuEmulator } from '../emulators/feishu';
import type { Baseline } from './setup';
import { settledWithin } from '../../core/plugin/timing';
import { now, roundOf, type Round } from './stats';

let roundNo = 0;

function collect(emu: FeishuEmulator, tag: string, total: number) {
  const latencies: number[] = [];
  let last = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const onSent = (s: { content: { text?: string } }) => {
    const t = now();
    const [rtag, , at] = (s.content.text ?? '').split('|');
    if (rtag !== tag) return;
    latencies.push(t - Number(at));
    last = t;
    if (latencies.length >= total) done();
  };
  emu.on('sent', onSent);
  return {
    async finish(first: number, timeoutMs: number): Promise<Round> {
      await settledWithin(all, timeoutMs);
      emu.off('sent', onSent);
      return roundOf(latencies, total, first, last);
    },
  };
}

/** Publishes `n` envelopes at once, spread over `accounts` and `chats` conversations per account. */
export async function gatewayOutRound(
  emu: FeishuEmulator,
  nc: NatsConnection,
  prefix: string,
  accounts: string[],
  n: number,
  chats: number,
  timeoutMs = 60_000,
): Promise<Round> {
  const tag = `o${++roundNo}`;
  const c = collect(emu, tag, n);
  const first = now();
  for (let i = 0; i < n; i++) {
    const account = accounts[i % accounts.length]!;
    const chat = `oc_bench${Math.floor(i / accounts.length) % chats}`;
    nc.publish(
      `${prefix}.out.feishu.${account}`,
      JSON.stringify({ id: `${tag}-${i}`, conversation: { id: chat }, text: `${tag}|${i}|${now()}` }),
    );
  }
  await nc.flush();
  return c.finish(first, timeoutMs);
}

/** The same load through the bare SDK client, `concurrency` calls in flight. */
export async function baselineOutRound(
  emu: FeishuEmulator,
  baseline: Baseline,
  n: number,
  chats: number,
  concurrency: number,
): Promise<Round> {
  const tag = `o${++roundNo}`;
  const c = collect(emu, tag, n);
  const first = now();
  await baseline.call({ op: 'send', n, chats, concurrency, tag });
  return c.finish(first, 10_000);
}

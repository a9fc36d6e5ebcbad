/**
 * Inbound: the emulator pushes message events over the long connection; the time to a NATS core
 * subscriber seeing the stored envelope (gateway: `<prefix>.in.>`; baseline: its stream's republish).
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { FeishuEmulator } from '../emulators/feishu';
import { now, roundOf, type Round } from './stats';
import { settledWithin } from '../../core/plugin/timing';
import { pause } from './setup';

export type Load = { kind: 'burst'; n: number; inFlight: number } | { kind: 'rate'; perSecond: number; seconds: number };

/** The text a received message carried, from a gateway envelope or a baseline raw event. */
export type TextOf = (data: string) => string;
export const gatewayText: TextOf = (d) => (JSON.parse(d) as { message: { text: string } }).message.text;
export const baselineText: TextOf = (d) =>
  (JSON.parse((JSON.parse(d) as { message: { content: string } }).message.content) as { text: string }).text;

let roundNo = 0;

/** One round: push events (texts `<round>|<i>|<pushed at>`) to `appIds` in turn, wait for all to arrive. */
export async function inboundRound(
  emu: FeishuEmulator,
  nc: NatsConnection,
  subject: string,
  textOf: TextOf,
  appIds: string[],
  load: Load,
): Promise<Round> {
  const tag = `r${++roundNo}`;
  const latencies: number[] = [];
  let first = Infinity;
  let last = 0;
  const total = load.kind === 'burst' ? load.n : Math.round(load.perSecond * load.seconds);
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const sub = nc.subscribe(subject, {
    callback: (_e, m) => {
      const t = now();
      const [rtag, , at] = textOf(m.string()).split('|');
      if (rtag !== tag) return;
      latencies.push(t - Number(at));
      last = t;
      if (latencies.length >= total) done();
    },
  });
  await nc.flush();
  let failed = 0;
  const push = (i: number) => {
    const appId = appIds[i % appIds.length]!;
    const t = now();
    first = Math.min(first, t);
    const event = emu.message({
      appId,
      chatId: `oc_c${i % 200}`,
      chatType: 'p2p',
      senderOpenId: `ou_u${i % 200}`,
      messageType: 'text',
      content: { text: `${tag}|${i}|${t}` },
    });
    return emu.pushEvent(appId, event, { timeoutMs: 60_000 }).then(
      (ack) => {
        if (ack.code !== 200) failed++;
      },
      () => {
        failed++;
      },
    );
  };
  if (load.kind === 'burst') {
    let next = 0;
    await Promise.all(
      Array.from({ length: load.inFlight }, async () => {
        for (let i = next++; i < total; i = next++) await push(i);
      }),
    );
  } else {
    const start = now();
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < total;) {
      const due = Math.min(total, Math.floor(((now() - start) / 1000) * load.perSecond) + 1);
      for (; i < due; i++) pending.push(push(i));
      await pause(2);
    }
    await Promise.all(pending);
  }
  await settledWithin(all, 30_000);
  sub.unsubscribe();
  return { ...roundOf(latencies, total, first, last), ...(failed ? { failed } : {}) };
}

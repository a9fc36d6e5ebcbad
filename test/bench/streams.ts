/**
 * Streams: `STREAMS` answers at once, each `FRAMES` snapshots `FRAME_MS` apart then a final one, over
 * Feishu CardKit cards; by an agent through the gateway, or by the bare SDK calling CardKit for every
 * frame (the baseline, `baseline.ts`). The final text carries the moment it was handed over
 * (`<tag>:<stream>:<ms> … END`): the emulator side measures from there to the card showing it.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { FeishuEmulator, RequestLogEntry } from '../emulators/feishu';
import { settledWithin } from '../../core/plugin/timing';
import { pause, type Baseline } from './setup';
import { now, percentile } from './stats';
import { FRAMES, FRAME_MS, STREAMS, finalText, frameText } from './stream-texts';

export { FRAMES, FRAME_MS, STREAMS };

const CALLS = new Set(['cardCreate', 'cardContent', 'cardSettings', 'cardUpdate', 'create', 'reply']);

let roundNo = 0;

/** What one round measured. */
export interface StreamRound {
  /** Platform calls per stream (card create, message, card operations). */
  callsPerStream: number;
  /** Milliseconds from the final frame handed over to the card showing it. */
  p50: number;
  p99: number;
  /** Streams whose final text never showed. */
  lost: number;
  /** CPU milliseconds of the measured process per frame (filled by `withCpuPerFrame`). */
  cpuPerFrame?: number;
}

/** Watches the emulator for the final texts of round `tag` on the cards of `appId`. */
function collect(emu: FeishuEmulator, appId: string, tag: string) {
  const latencies = new Map<number, number>();
  let calls = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const onRequest = (r: RequestLogEntry) => {
    if (r.appId !== appId || !r.api || !CALLS.has(r.api)) return;
    calls++;
    if (r.code !== 0 || (r.api !== 'cardContent' && r.api !== 'cardUpdate')) return;
    const at = now();
    const card = emu.card(r.path.split('/')[5] ?? '');
    const text = card?.messageId ? (emu.shownText(card.messageId) ?? '') : '';
    if (!text.endsWith(' END')) return;
    const [rtag, s, handed] = text.slice(0, text.indexOf(' ')).split(':');
    if (rtag !== tag || latencies.has(Number(s))) return;
    latencies.set(Number(s), at - Number(handed));
    if (latencies.size >= STREAMS) done();
  };
  emu.on('request', onRequest);
  return {
    async finish(timeoutMs: number): Promise<StreamRound> {
      await settledWithin(all, timeoutMs);
      // The calls that close the cards come right after the final texts show.
      await pause(500);
      emu.off('request', onRequest);
      const values = [...latencies.values()];
      return { callsPerStream: calls / STREAMS, p50: percentile(values, 50), p99: percentile(values, 99), lost: STREAMS - values.length };
    },
  };
}

/** The streams through the gateway: an agent publishes open, frames and the final one per conversation. */
export async function gatewayStreamRound(emu: FeishuEmulator, nc: NatsConnection, prefix: string, app: { appId: string; account: string }) {
  const tag = `g${++roundNo}`;
  const c = collect(emu, app.appId, tag);
  const subject = `${prefix}.out.feishu.${app.account}`;
  const pub = (env: Record<string, unknown>) => nc.publish(subject, JSON.stringify(env));
  for (let s = 0; s < STREAMS; s++) pub({ id: `${tag}-${s}`, conversation: { id: `oc_stream${s}` }, stream: true, text: '' });
  const start = now();
  for (let k = 1; k <= FRAMES; k++) {
    await pause(Math.max(0, start + k * FRAME_MS - now()));
    for (let s = 0; s < STREAMS; s++) pub({ id: `${tag}-${s}.${k}`, edit: `${tag}-${s}`, text: frameText(tag, s, k), format: 'markdown' });
  }
  await pause(Math.max(0, start + (FRAMES + 1) * FRAME_MS - now()));
  for (let s = 0; s < STREAMS; s++)
    pub({ id: `${tag}-${s}.done`, edit: `${tag}-${s}`, done: true, text: finalText(tag, s), format: 'markdown' });
  await nc.flush();
  return c.finish(60_000);
}

/** The same streams through the bare SDK: every frame is a CardKit content update, in order per card. */
export async function baselineStreamRound(emu: FeishuEmulator, baseline: Baseline, appId: string) {
  const tag = `b${++roundNo}`;
  const c = collect(emu, appId, tag);
  await baseline.call({ op: 'streams', tag, streams: STREAMS, frames: FRAMES, frameMs: FRAME_MS });
  return c.finish(60_000);
}

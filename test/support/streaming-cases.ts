import { expect, test } from '@jest/globals';
import type { Receipt } from '../../core/contract/schemas';
import type { Booted } from './fixture';

/** The words of an answer, and its snapshots as a model would write them. */
const WORDS = Array.from({ length: 100 }, (_, i) => `word${i}`);
export const snapshot = (n: number): string => WORDS.slice(0, n).join(' ');

/** What a streaming test drives: one instance's outbound envelopes and their receipts (a rig's run). */
export interface StreamingRun {
  gw: Pick<Booted, 'receipts'>;
  send(env: Record<string, unknown>): void;
  receipt(id: string, timeoutMs?: number): Promise<Receipt>;
}

/** 100 frames of stream `id` over about a second (one each 10 ms), then `done` with `final`; resolves the receipt of done. */
export async function stream100(r: Omit<StreamingRun, 'gw'>, id: string, final: string, format?: 'markdown'): Promise<Receipt> {
  const started = Date.now();
  for (let i = 1; i <= 100; i++) {
    r.send({ id: `${id}.${i}`, edit: id, text: snapshot(i), ...(format ? { format } : {}) });
    await new Promise((res) => setTimeout(res, Math.max(0, started + i * 10 - Date.now())));
  }
  r.send({ id: `${id}.done`, edit: id, done: true, text: final, ...(format ? { format } : {}) });
  return r.receipt(`${id}.done`);
}

/** What the stream of a `hundredFrames` case left: where it went, its first and last receipts, the final text, the platform calls. */
export interface Streamed<A> {
  to: A;
  open: Receipt;
  done: Receipt;
  final: string;
  calls: string[];
}

/** One platform's part of the "100 frames in a second" test: where the stream goes, and what the platform must have seen of it. */
export interface HundredFramesCase<R extends StreamingRun, A extends Record<string, unknown>> {
  /** Boots the platform's world (a rig's `boot`). */
  boot(): Promise<R>;
  /** The address of the stream: its conversation, or the message it answers. */
  to(r: R): A | Promise<A>;
  /** More than this many frames were superseded by a later one before they went out. */
  superseded: number;
  /** The platform calls the stream made (`of`), what they are for the printed line (`are`: "Slack calls"), and how many it may make. */
  calls: { of(r: R): string[]; are: string; atMost: number };
  /** The platform's own checks: the one message the stream became, its final text, the order of the calls. */
  check(r: R, streamed: Streamed<A>): void | Promise<void>;
  timeoutMs?: number;
}

/**
 * The test that every streaming platform passes, named for `platform` and what the frames `become` there:
 * a stream opened empty, 100 markdown snapshots over a second, then done. Every frame has its receipt (most
 * superseded), done names the message the open receipt named, the platform was called at most
 * `calls.atMost` times, and `check` says what the platform shows.
 */
export function hundredFrames<R extends StreamingRun, A extends Record<string, unknown>>(
  platform: string,
  become: string,
  c: HundredFramesCase<R, A>,
): void {
  test(
    `${platform} streaming - 100 frames in a second become ${become}; the final text is exact`,
    async () => {
      const r = await c.boot();
      const to = await c.to(r);
      r.send({ id: 's1', ...to, stream: true, text: '' });
      const final = `${snapshot(100)}: **done**.`;
      const done = await stream100(r, 's1', final, 'markdown');
      expect(done).toMatchObject({ ok: true });
      const open = await r.receipt('s1');
      expect(done.messageIds).toEqual(open.messageIds);
      const receipts = r.gw.receipts.items.filter((x) => x.id!.startsWith('s1.'));
      expect(receipts).toHaveLength(101);
      expect(receipts.every((x) => x.ok)).toBe(true);
      expect(receipts.filter((x) => x.superseded).length).toBeGreaterThan(c.superseded);

      const calls = c.calls.of(r);
      process.stdout.write(`${platform} streaming: 100 frames in 1 s + done -> ${calls.length} ${c.calls.are} (${calls.join(', ')})\n`);
      expect(calls.length).toBeLessThanOrEqual(c.calls.atMost);
      await c.check(r, { to, open, done, final, calls });
    },
    c.timeoutMs,
  );
}

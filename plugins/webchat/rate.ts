import { BoundedMap } from '../../core/plugin';

const WINDOW_MS = 60_000;

/**
 * How many messages (and clicks) each visitor sent this minute: past the limit, the next one waits
 * for the window to end instead of filling the queue. Per gateway replica; a visitor's tabs usually
 * reach the same one.
 */
export class RateLimit {
  private readonly windows = new BoundedMap<string, { start: number; count: number }>(50_000);

  constructor(readonly perMinute: number) {}

  /** Counts one; returns how long to wait when over the limit (then it is not counted). */
  take(visitor: string, now = Date.now()): number | undefined {
    let w = this.windows.get(visitor);
    if (!w || now - w.start >= WINDOW_MS) this.windows.set(visitor, (w = { start: now, count: 0 }));
    if (w.count >= this.perMinute) return w.start + WINDOW_MS - now;
    w.count++;
    return undefined;
  }
}

import { sleep } from '../../core/plugin';

/**
 * Waits before a call that would exceed a rate: at most `limit` calls per `windowMs` per key. Feishu
 * allows 5 messages per second per chat and 50 per second per app; pacing below them avoids the
 * 230020 / 99991400 round trips instead of retrying after them.
 */
export class Pacer {
  private readonly calls = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  async take(key: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now();
      const recent = (this.calls.get(key) ?? []).filter((t) => now - t < this.windowMs);
      if (recent.length < this.limit) {
        recent.push(now);
        this.calls.set(key, recent);
        return;
      }
      this.calls.set(key, recent);
      await sleep(this.windowMs - (now - recent[0]!) + 1, signal);
    }
  }

  /** Forgets keys with no recent calls, so memory follows active chats. */
  prune(now = Date.now()): void {
    for (const [k, v] of this.calls) if (v.every((t) => now - t >= this.windowMs)) this.calls.delete(k);
  }
}

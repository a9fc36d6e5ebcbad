import { sleep } from './timing';

/** Keys kept before idle ones are forgotten. */
const PRUNE_AT = 1000;

/**
 * Keeps calls under a platform's rate: at most `limit` calls per `windowMs` for each key (a chat, a
 * card, the whole app). `take` waits until the call fits, so the platform's 429 round trip is avoided
 * instead of retried. Keys with no recent call are forgotten, so memory follows active chats.
 *
 * ```ts
 * const perChat = new Pacer(5, 1000);   // 5 messages per second per chat
 * await perChat.take(chatId, info.signal);
 * ```
 */
export class Pacer {
  private readonly calls = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (!(limit >= 1) || !(windowMs > 0)) throw new RangeError(`Pacer: limit must be >= 1 and windowMs > 0 (got ${limit}, ${windowMs})`);
  }

  /** Waits until one more call for `key` fits the rate, and counts it. Rejects when `signal` aborts. */
  async take(key = '', signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now();
      const recent = (this.calls.get(key) ?? []).filter((t) => now - t < this.windowMs);
      if (recent.length < this.limit) {
        recent.push(now);
        this.calls.set(key, recent);
        if (this.calls.size > PRUNE_AT) this.prune(now);
        return;
      }
      this.calls.set(key, recent);
      await sleep(this.windowMs - (now - recent[0]!) + 1, signal);
    }
  }

  /** How long a call for `key` would wait now, in milliseconds (0: it would go at once). */
  wait(key = ''): number {
    const now = Date.now();
    const recent = (this.calls.get(key) ?? []).filter((t) => now - t < this.windowMs);
    return recent.length < this.limit ? 0 : this.windowMs - (now - recent[0]!) + 1;
  }

  /** Forgets keys with no call in the window. */
  prune(now = Date.now()): void {
    for (const [k, v] of this.calls) if (v.every((t) => now - t >= this.windowMs)) this.calls.delete(k);
  }
}

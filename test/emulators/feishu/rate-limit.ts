/**
 * Feishu's documented message-sending limits, switchable:
 * - per API per app: 50 requests/second (and 1000/minute) → HTTP 429, code 99991400, headers
 *   `x-ogw-ratelimit-limit` and `x-ogw-ratelimit-reset` (seconds until the window frees up);
 * - per receiving chat or user: 5 QPS shared by all bots → HTTP 400, code 230020.
 */
import { Codes, type FeishuError } from './errors';

/** Hits per key within a sliding window. */
export class SlidingWindow {
  private readonly hits = new Map<string, number[]>();
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Record a hit; return ms until a slot frees when over the limit, else 0. */
  hit(key: string, now: number): number {
    const list = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length >= this.limit) {
      this.hits.set(key, list);
      return this.windowMs - (now - list[0]);
    }
    list.push(now);
    this.hits.set(key, list);
    return 0;
  }
}

/** Rate limiter; does nothing until enabled. */
export class RateLimiter {
  enabled = false;
  private readonly perApp = new SlidingWindow(50, 1000);
  private readonly perAppMinute = new SlidingWindow(1000, 60_000);
  private readonly perChat = new SlidingWindow(5, 1000);

  /** Check the per-app API limit; returns the error to answer with, if any. */
  checkApp(appId: string, api: string, now = Date.now()): FeishuError | undefined {
    if (!this.enabled) return undefined;
    const key = `${appId}|${api}`;
    const waitMs = Math.max(this.perApp.hit(key, now), this.perAppMinute.hit(key, now));
    if (waitMs <= 0) return undefined;
    return {
      ...Codes.gatewayRateLimit,
      headers: {
        'x-ogw-ratelimit-limit': '50',
        'x-ogw-ratelimit-reset': String(Math.max(1, Math.ceil(waitMs / 1000))),
      },
    };
  }

  /** Check the per-chat (or per-user) 5 QPS limit. */
  checkChat(chatKey: string, now = Date.now()): FeishuError | undefined {
    if (!this.enabled) return undefined;
    return this.perChat.hit(chatKey, now) > 0 ? { ...Codes.frequencyLimit } : undefined;
  }
}

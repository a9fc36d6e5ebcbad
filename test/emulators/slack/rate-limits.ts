/**
 * Slack's per-method rate limits, per app: at most `limit` calls in any `windowMs`; the call over it
 * answers HTTP 429 `ratelimited` with `Retry-After` (whole seconds until the oldest call leaves the window).
 */
import type { ApiMethod } from './types';

const MINUTE = 60_000;
/** Slack's tiers: 2 = 20+/min, 3 = 50+/min, 4 = 100+/min. */
const tier = (n: 2 | 3 | 4) => ({ limit: { 2: 20, 3: 50, 4: 100 }[n], windowMs: MINUTE });

/** The tiers of the methods of streams, edits, reactions and files (chat.postMessage's per-channel limit is not enforced). */
export const DEFAULT_RATE_LIMITS: Partial<Record<ApiMethod, { limit: number; windowMs: number }>> = {
  'chat.update': tier(3),
  'chat.delete': tier(3),
  'chat.startStream': tier(3),
  'chat.appendStream': tier(4),
  'chat.stopStream': tier(3),
  'reactions.add': tier(3),
  'reactions.remove': tier(2),
  'assistant.threads.setStatus': tier(3),
  'files.getUploadURLExternal': tier(4),
  'files.completeUploadExternal': tier(4),
  'files.info': tier(4),
};

export class RateLimiter {
  private readonly calls = new Map<string, number[]>();

  constructor(public rules: Partial<Record<string, { limit: number; windowMs: number }>>) {}

  /** Counts a call; returns the seconds to wait when it is over the limit (and not counted). */
  take(appId: string, method: string, now = Date.now()): number | undefined {
    const rule = this.rules[method];
    if (!rule) return undefined;
    const key = `${appId} ${method}`;
    const recent = (this.calls.get(key) ?? []).filter((t) => now - t < rule.windowMs);
    if (recent.length >= rule.limit) {
      this.calls.set(key, recent);
      return Math.max(1, Math.ceil((recent[0]! + rule.windowMs - now) / 1000));
    }
    recent.push(now);
    this.calls.set(key, recent);
    return undefined;
  }
}

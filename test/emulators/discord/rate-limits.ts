/**
 * Discord's rate limits: per-route buckets (keyed by the route and its major parameter, the channel)
 * that reset `windowMs` after their first request, and a global limit per bot. Every answer carries the
 * bucket's `X-RateLimit-*` headers; a request over a limit is refused with HTTP 429, the JSON body
 * `{message, retry_after, global}` and `Retry-After` (whole seconds), `X-RateLimit-Global` when global.
 */
import { createHash } from 'node:crypto';

export interface Limit {
  limit: number;
  windowMs: number;
}

/** Route templates (`METHOD /path/:param`) and their buckets; Discord's published figures where it has them. */
export const DEFAULT_LIMITS: Record<string, Limit> = {
  'POST /channels/:id/messages': { limit: 5, windowMs: 5000 },
  'PATCH /channels/:id/messages/:id': { limit: 5, windowMs: 5000 },
  'DELETE /channels/:id/messages/:id': { limit: 5, windowMs: 1000 },
  'PUT /channels/:id/messages/:id/reactions/:emoji/@me': { limit: 1, windowMs: 250 },
  'DELETE /channels/:id/messages/:id/reactions/:emoji/@me': { limit: 1, windowMs: 250 },
  'POST /channels/:id/typing': { limit: 5, windowMs: 5000 },
};

/** Requests per second a bot may make in all (Discord: 50). */
export const GLOBAL_LIMIT: Limit = { limit: 50, windowMs: 1000 };

interface Bucket {
  remaining: number;
  resetAt: number;
}

export interface Verdict {
  headers: Record<string, string>;
  /** Set when the request is refused: seconds to wait, and whether the global limit refused it. */
  refused?: { retryAfter: number; global: boolean };
}

export class RateLimits {
  private readonly buckets = new Map<string, Bucket>();
  /** Requests refused with 429, for tests that prove the client paced itself. */
  readonly refusals: Array<{ route: string; global: boolean }> = [];

  constructor(
    public limits: Record<string, Limit> = DEFAULT_LIMITS,
    public global: Limit = GLOBAL_LIMIT,
  ) {}

  /** Counts one request of `appId` on `route` (template) with major parameter `major`. */
  take(appId: string, route: string, major: string, now = Date.now()): Verdict {
    const g = this.bucket(`global ${appId}`, this.global, now);
    if (g.remaining <= 0) {
      this.refusals.push({ route, global: true });
      return {
        headers: { 'X-RateLimit-Global': 'true', 'X-RateLimit-Scope': 'global' },
        refused: { retryAfter: (g.resetAt - now) / 1000, global: true },
      };
    }
    const rule = this.limits[route];
    if (!rule) {
      g.remaining--;
      return { headers: {} };
    }
    const b = this.bucket(`${appId} ${route} ${major}`, rule, now);
    const hash = createHash('sha1').update(route).digest('hex').slice(0, 16);
    const resetAfter = Math.max(0, (b.resetAt - now) / 1000);
    const headers = (remaining: number) => ({
      'X-RateLimit-Limit': String(rule.limit),
      'X-RateLimit-Remaining': String(remaining),
      'X-RateLimit-Reset': (b.resetAt / 1000).toFixed(3),
      'X-RateLimit-Reset-After': resetAfter.toFixed(3),
      'X-RateLimit-Bucket': hash,
    });
    if (b.remaining <= 0) {
      this.refusals.push({ route, global: false });
      return { headers: { ...headers(0), 'X-RateLimit-Scope': 'user' }, refused: { retryAfter: resetAfter, global: false } };
    }
    g.remaining--;
    b.remaining--;
    return { headers: headers(b.remaining) };
  }

  private bucket(key: string, rule: Limit, now: number): Bucket {
    let b = this.buckets.get(key);
    if (!b || now >= b.resetAt) {
      b = { remaining: rule.limit, resetAt: now + rule.windowMs };
      this.buckets.set(key, b);
    }
    return b;
  }
}

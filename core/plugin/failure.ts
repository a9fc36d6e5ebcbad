import { DeliveryError } from '../errors';

/** What a platform call answered, however it failed: the inputs of {@link classifyFailure}. */
export interface PlatformFailure {
  /** HTTP status of the answer, when there was an answer. */
  status?: number;
  /**
   * The platform's own error code, a stable token an agent can switch on: Feishu's number (230020),
   * Slack's error string (`channel_not_found`), Telegram's `error_code` (403). Becomes `platformCode`.
   */
  code?: number | string;
  /** How long the platform asked to wait (`Retry-After`, `x-ogw-ratelimit-reset`, `retry_after`), in ms. */
  retryAfterMs?: number;
  /** The request got no answer at all: DNS, connection refused or reset, timeout. */
  network?: boolean;
}

/** Platform codes with a meaning HTTP status alone does not tell. */
export interface FailureTable {
  /** "Slow down": retried after the platform's hint, `E_RATE_LIMITED` when retries run out. */
  rateLimited?: ReadonlySet<number | string>;
  /** A later attempt may succeed (the platform's internal errors). */
  transient?: ReadonlySet<number | string>;
  /** The content is over a size limit: `E_TOO_LARGE`, not retried. */
  tooLarge?: ReadonlySet<number | string>;
}

/**
 * The one place a platform failure becomes the `DeliveryError` core acts on, so every plugin retries
 * alike. In order: a rate-limit code or HTTP 429 is retryable with the platform's hint; a too-large code
 * or HTTP 413 is `E_TOO_LARGE`; a transient code, no answer, HTTP 408 or 5xx is retryable; any other
 * answer (4xx, or a platform error code in a 200 body) is permanent. `message` is the receipt's text:
 * say what was being done and what the platform answered.
 *
 * ```ts
 * throw classifyFailure({ status: 200, code: 230020 }, 'send message: Feishu code 230020: rate limited', FEISHU_CODES);
 * ```
 */
export function classifyFailure(f: PlatformFailure, message: string, table: FailureTable = {}): DeliveryError {
  const platformCode = f.code ?? f.status;
  const base = platformCode !== undefined ? { platformCode } : {};
  const has = (set?: ReadonlySet<number | string>) => f.code !== undefined && set?.has(f.code) === true;
  if (has(table.rateLimited) || f.status === 429) {
    return DeliveryError.retryable(message, {
      ...base,
      rateLimited: true,
      ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}),
    });
  }
  if (has(table.tooLarge) || f.status === 413) return DeliveryError.permanent(message, { ...base, code: 'E_TOO_LARGE' });
  if (has(table.transient) || f.network || f.status === undefined || f.status === 408 || f.status >= 500) {
    return DeliveryError.retryable(message, { ...base, ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}) });
  }
  return DeliveryError.permanent(message, base);
}

import { classifyFailure, type DeliveryError, type FailureTable } from '../../core/plugin';

/** The tenant access token is missing, invalid or expired: fetch a new one and try again. */
export const TOKEN_CODES = new Set([99991661, 99991663, 99991668]);

/** The card's table limit (sometimes wrapped in 230099 "ErrCode: 11310"): the piece goes out as a post instead. */
export const TABLE_LIMIT_CODE = 11310;

/** Feishu codes whose meaning the HTTP status does not carry. */
const CODES: FailureTable = {
  // Per-chat/app message limits and the gateway's frequency limit.
  rateLimited: new Set([230020, 99991400]),
  // Message content over the size limit; an upload over 10 MB (images) or 30 MB (files).
  tooLarge: new Set([230025, 234006]),
};

/** What a Feishu API call answered, however it failed. */
export interface FeishuFailure {
  httpStatus?: number;
  code?: number;
  msg: string;
  /** Seconds until the rate limit resets (`x-ogw-ratelimit-reset`). */
  resetSeconds?: number;
}

/** A call that got no answer: refused, reset, DNS, timeout (fetch's `cause` has the socket error). */
export function failureOf(err: unknown): FeishuFailure {
  const e = err as { message?: string; name?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return { msg: 'no answer in time (requestTimeoutMs)' };
  return { msg: e?.cause?.message ?? e?.message ?? String(err) };
}

/** The table-limit refusal comes as 11310, or as 230099 with the code only in its message. */
function normalized(f: FeishuFailure): FeishuFailure {
  return f.code === 230099 && /ErrCode:\s*11310/.test(f.msg) ? { ...f, code: TABLE_LIMIT_CODE } : f;
}

/**
 * Maps a Feishu failure to a delivery error (core's shared rules, with Feishu's codes): rate limits,
 * 5xx and network failures are retryable with the platform's reset hint; size limits are E_TOO_LARGE;
 * everything else is permanent. `platformCode` is Feishu's numeric code (or the HTTP status).
 */
export function toDeliveryError(failure: FeishuFailure, what: string): DeliveryError {
  const f = normalized(failure);
  const detail = `${what}: ${f.code !== undefined ? `Feishu code ${f.code}: ` : f.httpStatus ? `HTTP ${f.httpStatus}: ` : ''}${f.msg}`;
  return classifyFailure(
    {
      ...(f.httpStatus !== undefined ? { status: f.httpStatus } : { network: true }),
      ...(f.code !== undefined ? { code: f.code } : {}),
      ...(f.resetSeconds !== undefined ? { retryAfterMs: f.resetSeconds * 1000 } : {}),
    },
    detail,
    CODES,
  );
}

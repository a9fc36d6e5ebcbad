import { DeliveryError } from '../../core/plugin';

/** Feishu codes that mean "slow down": per-chat/app message limits and the gateway's frequency limit. */
const RATE_LIMIT_CODES = new Set([230020, 99991400]);
/** The tenant access token is missing, invalid or expired: fetch a new one and try again. */
export const TOKEN_CODES = new Set([99991661, 99991663, 99991668]);
/** Message content over the size limit. */
const TOO_LARGE_CODES = new Set([230025]);

/** What a Feishu API call answered, however it failed. */
export interface FeishuFailure {
  httpStatus?: number;
  code?: number;
  msg: string;
  /** Seconds until the rate limit resets (`x-ogw-ratelimit-reset`). */
  resetSeconds?: number;
}

/** Reads code, message and rate-limit hint out of an axios error or a non-zero Feishu body. */
export function describeFailure(err: unknown): FeishuFailure {
  const e = err as {
    response?: { status?: number; data?: { code?: number; msg?: string }; headers?: Record<string, unknown> };
    code?: string;
    message?: string;
  };
  if (e?.response) {
    const reset = Number(e.response.headers?.['x-ogw-ratelimit-reset']);
    return {
      httpStatus: e.response.status,
      ...(typeof e.response.data?.code === 'number' ? { code: e.response.data.code } : {}),
      msg: e.response.data?.msg ?? e.message ?? `HTTP ${e.response.status}`,
      ...(Number.isFinite(reset) && reset >= 0 ? { resetSeconds: reset } : {}),
    };
  }
  return { msg: e?.message ?? String(err) };
}

/** True when Feishu refused the card because of its table limit (230099 carrying ErrCode 11310). */
export function isTableLimit(f: FeishuFailure): boolean {
  return f.code === 11310 || (f.code === 230099 && /ErrCode:\s*11310/.test(f.msg));
}

/**
 * Maps a Feishu failure to a delivery error: rate limits, 5xx and network failures are retryable
 * (with the platform's reset hint); size limits are E_TOO_LARGE; everything else is permanent and
 * carries Feishu's code and message so the agent can see what was refused.
 */
export function toDeliveryError(f: FeishuFailure, what: string): DeliveryError {
  const detail = `${what}: ${f.code !== undefined ? `Feishu code ${f.code}: ` : f.httpStatus ? `HTTP ${f.httpStatus}: ` : ''}${f.msg}`;
  const platformCode = f.code ?? f.httpStatus;
  const base = platformCode !== undefined ? { platformCode } : {};
  if (f.httpStatus === 429 || (f.code !== undefined && RATE_LIMIT_CODES.has(f.code))) {
    return DeliveryError.retryable(detail, {
      ...base,
      rateLimited: true,
      ...(f.resetSeconds !== undefined ? { retryAfterMs: f.resetSeconds * 1000 } : {}),
    });
  }
  if (f.code !== undefined && TOO_LARGE_CODES.has(f.code)) return DeliveryError.permanent(detail, { ...base, code: 'E_TOO_LARGE' });
  if (f.httpStatus === undefined || f.httpStatus >= 500) return DeliveryError.retryable(detail, base);
  return DeliveryError.permanent(detail, base);
}

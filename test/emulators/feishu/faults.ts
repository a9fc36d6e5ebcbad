/**
 * Fault injection (queued failures per API) and artificial latency.
 */
import { Codes, type FeishuError } from './errors';
import type { ApiName, FailRule } from './types';

const KNOWN = Object.values(Codes);

/** Queue of injected failures plus per-API latency. */
export class Faults {
  private readonly queue: Array<FailRule & { left: number }> = [];
  private readonly latency = new Map<ApiName, number>();

  /** Queue a failure for the next `times` calls of `rule.api`. */
  failNext(rule: FailRule): void {
    this.queue.push({ ...rule, left: rule.times ?? 1 });
  }

  /** Delay every response of `api` by `ms` (0 removes the delay). */
  setLatency(api: ApiName, ms: number): void {
    if (ms > 0) this.latency.set(api, ms);
    else this.latency.delete(api);
  }

  latencyFor(api: ApiName): number {
    return this.latency.get(api) ?? 0;
  }

  /** Consume one queued failure for `api`, if any, as a Feishu error. */
  take(api: ApiName): FeishuError | undefined {
    const i = this.queue.findIndex((r) => r.api === api && r.left > 0);
    if (i < 0) return undefined;
    const rule = this.queue[i];
    rule.left -= 1;
    if (rule.left <= 0) this.queue.splice(i, 1);
    return toError(rule);
  }

  clear(): void {
    this.queue.length = 0;
    this.latency.clear();
  }
}

function toError(rule: FailRule): FeishuError {
  const known = KNOWN.find((k) => k.code === rule.code);
  const defaultStatus = rule.code === Codes.gatewayRateLimit.code ? 429 : rule.api === 'token' || rule.api === 'endpoint' ? 200 : 400;
  const err: FeishuError = {
    code: rule.code,
    msg: rule.msg ?? known?.msg ?? 'injected failure',
    httpStatus: rule.httpStatus ?? defaultStatus,
  };
  const reset = rule.resetSeconds ?? (rule.code === Codes.gatewayRateLimit.code ? 1 : undefined);
  if (reset !== undefined) {
    err.headers = { 'x-ogw-ratelimit-limit': '50', 'x-ogw-ratelimit-reset': String(reset) };
  }
  return err;
}

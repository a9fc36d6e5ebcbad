/** How a retry waits: exponential from `initialMs`, capped at `maxMs`. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /**
   * `equal` (default): a random wait between half and all of the exponential step, so many clients that
   * failed together do not retry together. `none`: exactly the step.
   */
  jitter?: 'equal' | 'none';
}

/**
 * The wait before retry number `attempt` (1 for the first retry): `initialMs * 2^(attempt-1)` capped at
 * `maxMs`, jittered, and never shorter than the platform's reset hint (`hintMs`: retrying before a rate
 * limit resets only burns quota).
 *
 * ```ts
 * await sleep(backoff(attempt, { initialMs: 500, maxMs: 30_000 }, err.retryAfterMs), signal);
 * ```
 */
export function backoff(attempt: number, policy: BackoffPolicy, hintMs?: number): number {
  const step = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt - 1));
  const wait = policy.jitter === 'none' ? step : step / 2 + Math.random() * (step / 2);
  return Math.max(wait, hintMs ?? 0);
}

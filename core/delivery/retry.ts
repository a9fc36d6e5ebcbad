import { DeliveryError } from '../errors';

export interface BackoffPolicy {
  maxAttempts: number;
  initialBackoff: number;
  maxBackoff: number;
}

/**
 * Wait before the next attempt: exponential with full jitter, but never shorter than the platform's
 * reset hint (a rate limit says when it resets; retrying earlier only burns quota).
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, hintMs?: number): number {
  const exp = Math.min(policy.maxBackoff, policy.initialBackoff * 2 ** (attempt - 1));
  const jittered = exp / 2 + Math.random() * (exp / 2);
  return Math.max(jittered, hintMs ?? 0);
}

/** Classifies anything a plugin threw: a `DeliveryError` keeps its word; anything else is a retryable platform error. */
export function toDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  if (err instanceof Error && err.name === 'DeliveryError' && 'retryable' in err) return err as DeliveryError;
  const message = err instanceof Error ? err.message : String(err);
  return DeliveryError.retryable(`unexpected error from the plugin: ${message}`, { cause: err });
}

/** Resolves after `ms`, or early (rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Rejects with a retryable timeout error when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(DeliveryError.retryable(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

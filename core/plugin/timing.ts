/** What {@link deadline} rejects with when time runs out: `name` is `TimeoutError`. */
export class TimeoutError extends Error {
  constructor(
    message: string,
    readonly ms: number,
  ) {
    super(message);
    this.name = 'TimeoutError';
  }
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `promise`, or a rejection once `ms` have passed: a {@link TimeoutError} saying `what` timed out, or
 * the error `onTimeout` makes. The timer is cleared either way; `promise` itself is not cancelled
 * (pass it an `AbortSignal` for that).
 *
 * ```ts
 * const info = await deadline(api.botInfo(), 10_000, 'fetch bot info');
 * const name = await deadline(lookup(id), 500, 'name lookup').catch(() => id);
 * ```
 */
export async function deadline<T>(promise: Promise<T>, ms: number, what: string, onTimeout?: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout ? onTimeout() : new TimeoutError(`${what} timed out after ${Math.round(ms)} ms`, ms)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for `promise` at most `ms`; true when it settled in time (however it settled), false otherwise. */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return deadline(
    promise.then(
      () => true,
      () => true,
    ),
    ms,
    'wait',
  ).catch(() => false);
}

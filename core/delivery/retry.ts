import { DeliveryError } from '../errors';
import { deadline } from '../plugin/timing';

/** Classifies anything a plugin threw: a `DeliveryError` keeps its word; anything else is a retryable platform error. */
export function toDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  if (err instanceof Error && err.name === 'DeliveryError' && 'retryable' in err) return err as DeliveryError;
  const message = err instanceof Error ? err.message : String(err);
  return DeliveryError.retryable(`unexpected error from the plugin: ${message}`, { cause: err });
}

/** Rejects with a retryable timeout error when `promise` takes longer than `ms`: the send is tried again. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return deadline(promise, ms, what, () => DeliveryError.retryable(`${what} timed out after ${ms} ms`));
}

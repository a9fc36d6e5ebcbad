import { DeliveryError } from '../errors';
import { deadline } from '../plugin/timing';

/** Rejects with a retryable timeout error when `promise` takes longer than `ms`: the send is tried again. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return deadline(promise, ms, what, () => DeliveryError.retryable(`${what} timed out after ${ms} ms`));
}

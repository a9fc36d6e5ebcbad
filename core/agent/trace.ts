import type { InboundAny } from '../contract/schemas';
import { parseTraceparent } from '../trace/context';

/** The `traceparent` each received envelope came with, so a reply to it continues its trace. */
const traces = new WeakMap<InboundAny, string>();

/** Keeps the envelope's `traceparent` header when it is a valid one. */
export function rememberTrace(env: InboundAny, traceparent: string | undefined): void {
  if (parseTraceparent(traceparent)) traces.set(env, traceparent!.trim().toLowerCase());
}

/** The `traceparent` the envelope arrived with, if any. */
export function traceOf(env: InboundAny): string | undefined {
  return traces.get(env);
}

import type { InboundEnvelope } from '../contract/schemas';
import { parseTraceparent } from '../trace/context';

/** The `traceparent` each received envelope came with, so a reply to it continues its trace. */
const traces = new WeakMap<InboundEnvelope, string>();

/** Keeps the envelope's `traceparent` header when it is a valid one. */
export function rememberTrace(env: InboundEnvelope, traceparent: string | undefined): void {
  if (parseTraceparent(traceparent)) traces.set(env, traceparent!.trim().toLowerCase());
}

/** The `traceparent` the envelope arrived with, if any. */
export function traceOf(env: InboundEnvelope): string | undefined {
  return traces.get(env);
}

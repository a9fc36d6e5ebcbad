import type { Logger } from 'pino';
import { newSpanId, newTraceId, scopeTraces, type TraceContext } from './context';

/** What the span stands for, in OpenTelemetry's terms. */
export type SpanKind = 'producer' | 'consumer' | 'client' | 'internal';

export type SpanAttributes = Record<string, string | number | boolean | string[] | undefined>;

export interface SpanOptions {
  /** The span this one continues (from a `traceparent`); none starts a new trace. */
  parent?: TraceContext;
  kind?: SpanKind;
  attributes?: SpanAttributes;
  /** When it began, in epoch milliseconds, if earlier than now (e.g. when NATS stored the message). */
  startTime?: number;
}

/** One timed step of a message's way; `context` is what goes on in the next `traceparent`. */
export interface Span {
  readonly context: TraceContext;
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span as failed with the reason. */
  fail(message: string): void;
  end(): void;
}

/** Starts spans. The gateway has one; without an OpenTelemetry endpoint it only makes ids. */
export interface Tracer {
  /** Spans are recorded and sent somewhere (not only ids made). */
  readonly exporting: boolean;
  start(name: string, options?: SpanOptions): Span;
  /** Sends the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

/** Ids only: the trace context travels and logs carry it, but nothing is recorded or sent. */
export class IdTracer implements Tracer {
  readonly exporting = false;

  start(_name: string, options: SpanOptions = {}): Span {
    const { parent } = options;
    const context = { traceId: parent?.traceId ?? newTraceId(), spanId: newSpanId(), flags: parent?.flags ?? 1 };
    return { context, setAttributes: () => undefined, fail: () => undefined, end: () => undefined };
  }

  async shutdown(): Promise<void> {}
}

/** Whether the environment names an OTLP endpoint for traces (the standard OpenTelemetry variables). */
export function otlpConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/**
 * The gateway's tracer: with `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) set, spans are
 * exported over OTLP/HTTP by the OpenTelemetry Node SDK, which is loaded only then; otherwise ids only.
 */
export function createTracer(env: NodeJS.ProcessEnv = process.env): Tracer {
  if (!otlpConfigured(env)) return new IdTracer();
  // A require at the point of use, not an import: the SDK is loaded only when an endpoint is set.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { OtelTracer } = require('./otel') as typeof import('./otel');
  return new OtelTracer();
}

/** The trace scope follows the work when spans are exported or `debug` lines are written (see `scopeTraces`). */
export function scopeTracesFor(tracer: Tracer, log: Logger): void {
  scopeTraces(tracer.exporting || log.isLevelEnabled('debug'));
}

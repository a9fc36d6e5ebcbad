import { ROOT_CONTEXT, SpanKind as OtelKind, SpanStatusCode, trace, type Tracer as ApiTracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Span, SpanKind, SpanOptions, Tracer } from './tracer';

const KINDS: Record<SpanKind, OtelKind> = {
  producer: OtelKind.PRODUCER,
  consumer: OtelKind.CONSUMER,
  client: OtelKind.CLIENT,
  internal: OtelKind.INTERNAL,
};

const clean = (a: Record<string, unknown> = {}) =>
  Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as Record<string, string | number | boolean | string[]>;

/**
 * Spans recorded by the OpenTelemetry SDK and exported over OTLP/HTTP. The exporter and the sampler
 * read the standard variables (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`,
 * `OTEL_TRACES_SAMPLER`, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`). The provider is this
 * gateway's own, not registered globally: several gateways in one process keep their spans apart.
 */
export class OtelTracer implements Tracer {
  readonly exporting = true;
  private readonly provider: NodeTracerProvider;
  private readonly tracer: ApiTracer;

  constructor() {
    const resource = resourceFromAttributes({ 'service.name': 'chat-gateway' }).merge(detectResources({ detectors: [envDetector] }));
    this.provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
    this.tracer = this.provider.getTracer('chat-gateway');
  }

  start(name: string, options: SpanOptions = {}): Span {
    const { parent } = options;
    const ctx = parent
      ? trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.flags, isRemote: true })
      : ROOT_CONTEXT;
    const span = this.tracer.startSpan(
      name,
      {
        kind: KINDS[options.kind ?? 'internal'],
        attributes: clean(options.attributes),
        ...(options.startTime !== undefined ? { startTime: options.startTime } : {}),
      },
      ctx,
    );
    const sc = span.spanContext();
    return {
      context: { traceId: sc.traceId, spanId: sc.spanId, flags: sc.traceFlags },
      setAttributes: (a) => span.setAttributes(clean(a)),
      fail: (message) => span.setStatus({ code: SpanStatusCode.ERROR, message }),
      end: () => span.end(),
    };
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

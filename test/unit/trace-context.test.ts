import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import {
  currentTrace,
  formatTraceparent,
  parseTraceparent,
  scopeTraces,
  traceLogFields,
  tracedLogger,
  withTrace,
} from '../../core/trace/context';
import { IdTracer, otlpConfigured } from '../../core/trace/tracer';

const ROOT = resolve(__dirname, '../..');

test('trace context - a W3C traceparent is read and written back unchanged', () => {
  const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  expect(parseTraceparent(tp)).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 1 });
  expect(formatTraceparent(parseTraceparent(tp)!)).toBe(tp);
  expect(parseTraceparent(' 00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-00 ')).toMatchObject({ flags: 0 });
  // A later version is read by its first fields, as the spec asks.
  expect(parseTraceparent(`01-${'a'.repeat(32)}-${'b'.repeat(16)}-01-future`)).toMatchObject({ traceId: 'a'.repeat(32) });
});

test.each([
  ['all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
  ['all-zero span id', `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`],
  ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
  ['extra field on version 00', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x'],
  ['short trace id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
  ['not hex', '00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01'],
  ['empty', ''],
])('trace context - %s is not a traceparent', (_what, value) => {
  expect(parseTraceparent(value)).toBeUndefined();
});

test('trace context - with the scope on, log fields come from the trace the code runs in, across awaits', async () => {
  scopeTraces(true);
  try {
    expect(traceLogFields()).toEqual({});
    const ctx = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), flags: 1 };
    await withTrace(ctx, async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(currentTrace()).toBe(ctx);
      expect(traceLogFields()).toEqual({ trace_id: ctx.traceId, span_id: ctx.spanId });
    });
    expect(traceLogFields()).toEqual({});
    // The scope gives the ids: a traced logger is the logger itself.
    const log = pino({ level: 'info' });
    expect(tracedLogger(log, ctx)).toBe(log);
  } finally {
    scopeTraces(false);
  }
});

test('trace context - with the scope off, nothing follows the work, and a traced logger puts the ids on its lines', async () => {
  const ctx = { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), flags: 1 };
  const ran = await withTrace(ctx, async () => {
    await new Promise((r) => setTimeout(r, 1));
    return { current: currentTrace(), fields: traceLogFields() };
  });
  expect(ran).toEqual({ current: undefined, fields: {} });
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  tracedLogger(log, ctx).warn({ id: 'e1' }, 'delivery attempt failed, retrying');
  log.warn('outside any message');
  expect(lines).toMatchObject([
    { trace_id: ctx.traceId, span_id: ctx.spanId, id: 'e1', msg: 'delivery attempt failed, retrying' },
    { msg: 'outside any message' },
  ]);
  expect(lines[1]).not.toHaveProperty('trace_id');
});

test('trace context - without an OTLP endpoint spans continue the parent trace with new span ids', () => {
  const tracer = new IdTracer();
  const root = tracer.start('a');
  const child = tracer.start('b', { parent: root.context });
  expect(child.context.traceId).toBe(root.context.traceId);
  expect(child.context.spanId).not.toBe(root.context.spanId);
  expect(root.context.flags).toBe(1);
  expect(otlpConfigured({})).toBe(false);
  expect(otlpConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
});

// prom-client loads @opentelemetry/api (the small API package) for exemplars; the SDK and exporter are what must stay out.
test('trace context - the OpenTelemetry SDK is loaded only when an endpoint is set', () => {
  const built = join(ROOT, 'dist/core/runtime/gateway.js');
  if (!existsSync(built)) throw new Error('dist/ is missing: run `npm run build` (npm test does it) first');
  const probe = (env: NodeJS.ProcessEnv) =>
    execFileSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(built)});
         const t = require(${JSON.stringify(join(ROOT, 'dist/core/trace/tracer.js'))}).createTracer();
         const sdk = Object.keys(require.cache).filter((k) => ['sdk-', 'exporter-', 'resources'].some((p) => k.includes('@opentelemetry/' + p))).length;
         console.log(t.constructor.name, sdk > 0 ? 'sdk loaded' : 'no sdk');
         t.shutdown();`,
      ],
      { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' },
    ).trim();
  expect(probe({})).toBe('IdTracer no sdk');
  expect(probe({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })).toBe('OtelTracer sdk loaded');
});

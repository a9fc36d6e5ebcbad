import { AsyncLocalStorage } from 'node:async_hooks';
import { randomFillSync } from 'node:crypto';
import type { Logger } from 'pino';

/** One position in a trace, as W3C Trace Context carries it: `00-<traceId>-<spanId>-<flags>`. */
export interface TraceContext {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** 16 lowercase hex digits, not all zero: the span that is the parent of whatever continues the trace. */
  spanId: string;
  /** Trace flags; bit 0 set means sampled. */
  flags: number;
}

/** The NATS header (and HTTP header) name the context travels in. */
export const TRACEPARENT = 'traceparent';

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
const FORMAT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-|$)/;

/**
 * Reads a `traceparent` value. Version `00` must be exactly 55 characters; a later version is read by
 * its first four fields, as the W3C spec asks. Anything else (including all-zero ids) gives undefined:
 * the caller then starts a new trace rather than failing the message.
 */
export function parseTraceparent(value: string | undefined | null): TraceContext | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  const m = FORMAT.exec(v);
  if (!m) return undefined;
  const [, version, traceId, spanId, flags] = m as unknown as [string, string, string, string, string];
  if (version === 'ff' || (version === '00' && v.length !== 55)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, flags: parseInt(flags, 16) };
}

/** The `traceparent` value of a context (version 00). */
export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${(ctx.flags & 0xff).toString(16).padStart(2, '0')}`;
}

// Ids come from a pool of random bytes refilled in one call: a crypto call per id costs more than the
// rest of a message's tracing together.
const pool = Buffer.allocUnsafe(4096);
let used = pool.length;

function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return hex === ZERO_TRACE || hex === ZERO_SPAN ? randomHex(bytes) : hex;
}

export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);

const scope = new AsyncLocalStorage<TraceContext>();

/**
 * Whether the trace a message is handled in follows the work by itself (an AsyncLocalStorage), so that
 * every log line written meanwhile, a plugin's included, carries its ids. On Node 20 that makes every
 * promise of the process dearer: measured, about a tenth of outbound throughput. So it is on only when
 * traces are exported or `debug` lines are written; otherwise core's own lines about a message still
 * carry its ids ({@link tracedLogger}).
 */
let scoped = false;

/** Turns the trace scope on or off (the gateway does, at start and when the log level changes). */
export function scopeTraces(on: boolean): void {
  scoped = on;
}

/** Runs `fn` with `ctx` as the current trace: while the scope is on, log lines written meanwhile carry its ids. */
export function withTrace<T>(ctx: TraceContext, fn: () => T): T {
  return scoped ? scope.run(ctx, fn) : fn();
}

/**
 * `log` with the ids of `ctx` on its lines, for core's lines about a message at `info` and above: the
 * scope gives them when it is on, this when it is off. A child logger costs a little: make it at the
 * line, not ahead of it.
 */
export function tracedLogger(log: Logger, ctx: TraceContext): Logger {
  return scoped ? log : log.child({ trace_id: ctx.traceId, span_id: ctx.spanId });
}

/** The trace of the work running now, if any. */
export function currentTrace(): TraceContext | undefined {
  return scope.getStore();
}

/**
 * The fields a log line gets inside a trace (`trace_id`, `span_id`: the names OpenTelemetry's log
 * bridges use, so log tools link a line to its trace). Empty outside one.
 */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  const ctx = scope.getStore();
  return ctx ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
}

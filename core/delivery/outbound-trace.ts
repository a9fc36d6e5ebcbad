import type { JsMsg } from '@nats-io/jetstream';
import type { Receipt } from '../contract/schemas';
import type { Logger } from 'pino';
import { TRACEPARENT, parseTraceparent, tracedLogger, withTrace, type TraceContext } from '../trace/context';
import type { Span, Tracer } from '../trace/tracer';

/** One platform call of a delivery: a child span of the envelope's. */
export interface AttemptSpan {
  run<T>(fn: () => T): T;
  /** Ends the call; with an error message when it failed. */
  end(error?: string): void;
}

/**
 * The trace of one outbound envelope: it continues the agent's `traceparent` header when there is one
 * (a new trace otherwise). The span `chat.outbound` runs from when NATS stored the envelope to its
 * receipt, with one `<channel>.send` span per platform call, and the receipt carries its context.
 */
export class OutboundTrace {
  private readonly span: Span;

  constructor(
    private readonly tracer: Tracer,
    m: JsMsg,
    private readonly channel: string,
    account: string,
  ) {
    const parent = parseTraceparent(m.headers?.get(TRACEPARENT));
    this.span = tracer.start('chat.outbound', {
      kind: 'consumer',
      ...(parent ? { parent } : {}),
      startTime: m.info.timestampNanos / 1e6,
      attributes: { 'chat.channel': channel, 'chat.account': account, 'chat.outbound.deliveries': m.info.deliveryCount },
    });
  }

  /** Runs `fn` in this trace, so log lines written meanwhile carry its ids. */
  run<T>(fn: () => T): T {
    return withTrace(this.span.context, fn);
  }

  /** `log` with this envelope's trace ids on its lines: for lines at `info` and above (see {@link tracedLogger}). */
  logger(log: Logger): Logger {
    return tracedLogger(log, this.span.context);
  }

  identify(id: string): void {
    this.span.setAttributes({ 'chat.envelope.id': id });
  }

  attempt(n: number): AttemptSpan {
    const call = this.tracer.start(`${this.channel}.send`, {
      kind: 'client',
      parent: this.span.context,
      attributes: { 'chat.attempt': n },
    });
    return {
      run: (fn) => withTrace(call.context, fn),
      end: (error) => {
        if (error !== undefined) call.fail(error);
        call.end();
      },
    };
  }

  /** The envelope went back to the queue without a receipt (held for later, or the gateway stops). */
  handBack(reason: string): void {
    this.span.setAttributes({ 'chat.outbound.returned': reason });
    this.span.end();
  }

  /** Ends the span with the receipt's outcome; returns the context the receipt is published with. */
  end(receipt: Receipt): TraceContext {
    this.span.setAttributes({
      'chat.receipt.ok': receipt.ok,
      'chat.receipt.attempts': receipt.attempts,
      'chat.receipt.code': receipt.error?.code,
      'chat.receipt.message_ids': receipt.messageIds,
    });
    if (receipt.error) this.span.fail(`${receipt.error.code}: ${receipt.error.message}`);
    this.span.end();
    return this.span.context;
  }
}

import type { JsMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/load';
import type { OutboundEnvelope, Receipt } from '../contract/schemas';
import { checkOutbound } from '../contract/validate';
import { retryNatsTrouble } from '../bus/replicas';
import { BoundedMap } from '../plugin/bounded-map';
import { backoff } from '../plugin/backoff';
import type { ResolvedCapabilities } from '../plugin/capabilities';
import { settledWithin, sleep } from '../plugin/timing';
import type { ChannelAdapter } from '../plugin/types';
import { toDeliveryError } from '../errors';
import type { Metrics } from '../http/metrics';
import type { MediaStore } from '../media/store';
import type { Tracer } from '../trace/tracer';
import { KeyedQueue } from './keyed-queue';
import { Operations } from './operations';
import { OutboundTrace } from './outbound-trace';
import { Outbox } from './outbox';
import type { ReceiptError, ReceiptPublisher } from './receipts';
import { withTimeout } from './retry';

/** What delivering needs of the gateway. */
export interface DeliveryDeps {
  delivery: GatewayConfig['delivery'];
  receipts: ReceiptPublisher;
  metrics: Metrics;
  outbox: KV;
  /** The media bucket, for attachments (absent when the gateway runs without one). */
  media?: MediaStore;
  tracer: Tracer;
}

/** Conversation queues of recent envelopes by id, so an edit or delete queues behind the message it names. */
const REMEMBERED_KEYS = 10_000;

/** A stream frame (an edit) waiting in its queue: a newer frame of the same message supersedes it. */
interface Frame {
  started: boolean;
  superseded: boolean;
  done: boolean;
}

/**
 * A handed-back envelope is offered again after this delay: the server would otherwise offer it at once
 * to the pull requests a stopping replica still has open, where nobody takes it any more, and the next
 * holder would wait out the ack wait for it. By then the stopping replica's connection is gone.
 */
export const HAND_BACK_DELAY_MS = 2500;

/**
 * The envelopes of one account from when they are taken from the queue to their ack: validated, in
 * order per conversation, retried with backoff while the error is retryable, recorded in the outbox so
 * the same envelope id is never delivered twice, acknowledged only after the platform took it, and
 * always ending in exactly one receipt. The {@link OutboundWorker} pulls them and hands them here.
 */
export class Deliveries {
  private readonly queue = new KeyedQueue();
  /**
   * Envelopes taken from the queue and not yet acknowledged, including those waiting behind earlier
   * ones of their conversation: all are kept alive together, or the server would offer them again.
   */
  private readonly taken = new Set<JsMsg>();
  private keepAlive?: NodeJS.Timeout;
  private readonly abort = new AbortController();
  private readonly labels: { channel: string; account: string };
  private readonly outbox: Outbox;
  private readonly ops: Operations;
  private readonly keys = new BoundedMap<string, string>(REMEMBERED_KEYS);
  /** The newest frame waiting for each message (by the id of the envelope that created it). */
  private readonly frames = new Map<string, Frame>();
  /** Acks waiting for their receipt and outbox write to reach the server. */
  private readonly acking = new Set<Promise<unknown>>();
  /** Queued frames already replaced by a newer one: finishing them sends nothing. */
  private supersededWaiting = 0;
  /** Envelopes whose queue is being looked up in the outbox: later ones wait, so accept order is kept. */
  private resolving?: Promise<void>;
  /** The adapter's `SendInfo.term`: the worker sets a new one each time it takes the lease. */
  term = 0;

  constructor(
    private readonly deps: DeliveryDeps,
    private readonly channel: string,
    private readonly account: string,
    adapter: ChannelAdapter,
    capabilities: ResolvedCapabilities,
    private readonly log: Logger,
    /** How long a taken envelope stays with this replica before the server offers it again. */
    private readonly ackWaitMs: number,
  ) {
    this.labels = { channel, account };
    this.outbox = new Outbox(deps.outbox, channel, account);
    this.ops = new Operations(adapter, capabilities, this.outbox, deps.media, { channel, account }, log);
  }

  /** Envelopes queued and not superseded: what counts against the number in flight. */
  get waiting(): number {
    return this.queue.size - this.supersededWaiting;
  }

  /**
   * Keeps `m` alive (taken, not yet accepted: gathered during a takeover) until it is accepted or let go.
   * The server would otherwise offer it again after the ack wait.
   */
  keep(m: JsMsg): void {
    this.taken.add(m);
    this.keepAlive ??= setInterval(() => {
      for (const t of this.taken) t.working();
    }, this.ackWaitMs / 3);
    this.keepAlive.unref?.();
  }

  /** Stops keeping `m` alive (a copy the server handed over again replaced it). */
  letGo(m: JsMsg): void {
    this.taken.delete(m);
  }

  /** Hands `m` back to the queue untouched, kept or not. */
  handBack(m: JsMsg): void {
    this.taken.delete(m);
    m.nak(HAND_BACK_DELAY_MS);
  }

  /**
   * Lets the deliveries under way finish within `deadlineMs` (the rest are abandoned and go back to the
   * queue), then waits, within the same time, for the acks of those delivered.
   */
  async finishAll(deadlineMs: number): Promise<void> {
    if (!(await settledWithin(this.queue.idle(), deadlineMs))) {
      this.abort.abort(new Error('gateway stopping'));
      await this.queue.idle();
    }
    // Delivered envelopes whose outbox write and ack are still on their way: acked before the lease goes.
    await settledWithin(Promise.all(this.acking), deadlineMs);
    clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }

  /** Takes `m` on: validated, queued behind its conversation, sent, receipted and acked. */
  accept(m: JsMsg): void {
    const trace = new OutboundTrace(this.deps.tracer, m, this.channel, this.account);
    trace.run(() => this.take(m, trace));
  }

  private take(m: JsMsg, trace: OutboundTrace): void {
    this.deps.metrics.outbound.inc(this.labels);
    this.keep(m);
    const started = Date.now();
    const { maxBytes } = this.deps.delivery;
    let value: unknown;
    let parseError: Error | undefined;
    try {
      value = JSON.parse(m.string());
    } catch (err) {
      parseError = err as Error;
    }
    // A refusal still names the envelope when it can, so the agent can match it to what it sent.
    const rawId = (value as { id?: unknown } | null | undefined)?.id;
    const refuse = (code: 'E_TOO_LARGE' | 'E_SCHEMA', message: string) => {
      const id = typeof rawId === 'string' ? rawId : undefined;
      this.finish(m, started, this.deps.receipts.failed(this.channel, this.account, id, { code, message, retryable: false }, 0), trace);
    };
    if (m.data.length > maxBytes)
      return refuse('E_TOO_LARGE', `envelope is ${m.data.length} bytes; the limit is ${maxBytes} (delivery.maxBytes)`);
    if (parseError) return refuse('E_SCHEMA', `payload is not JSON: ${parseError.message}`);
    const checked = checkOutbound(value);
    if (!checked.ok) return refuse('E_SCHEMA', checked.message);
    trace.identify(checked.value.id);
    this.route(m, checked.value, started, trace);
  }

  /**
   * Queues a valid envelope behind the earlier ones of its conversation. An edit or delete goes where
   * the message it names went; when that is not known in memory (an old message, another replica sent
   * it), the outbox says, and envelopes accepted meanwhile wait so that accept order is kept.
   */
  private route(m: JsMsg, env: OutboundEnvelope, started: number, trace: OutboundTrace): void {
    const target = env.edit ?? env.delete;
    const known = target === undefined ? directKey(env) : this.keys.get(target);
    if (known !== undefined && !this.resolving) return this.enqueue(m, env, started, known, trace);
    const previous = this.resolving ?? Promise.resolve();
    const next = previous.then(async () => {
      const key = known ?? (target !== undefined ? await this.keyInOutbox(target) : directKey(env));
      this.enqueue(m, env, started, key, trace);
    });
    this.resolving = next;
    void next.finally(() => {
      if (this.resolving === next) this.resolving = undefined;
    });
  }

  private async keyInOutbox(target: string): Promise<string> {
    const record = await this.outbox.get(target).catch(() => undefined);
    return record?.message?.key ?? `e:${target}`;
  }

  /** Pushes the envelope's delivery; a frame waiting for the same message is superseded by this one. */
  private enqueue(m: JsMsg, env: OutboundEnvelope, started: number, key: string, trace: OutboundTrace): void {
    if (env.edit === undefined && env.delete === undefined && !env.react && !env.typing) this.keys.set(env.id, key);
    // A delete between two edits keeps both: the earlier edit is not superseded across it.
    if (env.delete !== undefined) this.frames.delete(env.delete);
    // The queue runs the task after earlier ones of the conversation: it must run in this envelope's trace.
    if (env.edit === undefined) return this.queue.push(key, () => trace.run(() => this.deliver(m, env, started, key, trace)));
    const target = env.edit;
    const waiting = this.frames.get(target);
    if (waiting && !waiting.started && !waiting.done) {
      waiting.superseded = true;
      this.supersededWaiting++;
    }
    const frame: Frame = { started: false, superseded: false, done: env.done === true };
    this.frames.set(target, frame);
    this.queue.push(key, () =>
      trace.run(async () => {
        frame.started = true;
        if (this.frames.get(target) === frame) this.frames.delete(target);
        if (frame.superseded) {
          this.supersededWaiting--;
          return this.supersede(m, env, started, target, trace);
        }
        return this.deliver(m, env, started, key, trace);
      }),
    );
  }

  /** A frame a newer one replaced before it was sent: its one receipt, ok and superseded, and nothing sent. */
  private async supersede(m: JsMsg, env: OutboundEnvelope, started: number, target: string, trace: OutboundTrace): Promise<void> {
    const record = await this.outbox.get(target).catch(() => undefined);
    const receipt = this.deps.receipts.ok(this.channel, this.account, env.id, record?.message?.messageIds ?? [], 0);
    receipt.superseded = true;
    this.deps.metrics.outboundFrames.inc({ ...this.labels, outcome: 'superseded' });
    this.finish(m, started, receipt, trace);
  }

  private async deliver(m: JsMsg, env: OutboundEnvelope, started: number, key: string, trace: OutboundTrace): Promise<void> {
    const { receipts, delivery, metrics } = this.deps;
    const prior = await retryNatsTrouble(() => this.outbox.get(env.id), {
      signal: this.abort.signal,
      onTrouble: (cause) =>
        trace.logger(this.log).warn({ id: env.id, cause }, `outbox not readable: NATS trouble (${cause}); waiting for it`),
    }).catch(() => undefined);
    if (prior) {
      trace.logger(this.log).info({ id: env.id }, 'outbound envelope already delivered: not sent again, receipt repeated');
      this.finish(m, started, { ...prior.receipt, time: new Date().toISOString() }, trace);
      return;
    }
    const signal = this.abort.signal;
    try {
      for (let attempt = 1; ; attempt++) {
        const call = trace.attempt(attempt);
        try {
          const done = await call.run(() =>
            withTimeout(
              this.ops.perform(env, key, { attempt, signal, sequence: m.seq, term: this.term }),
              delivery.sendTimeout,
              'platform send',
            ),
          );
          call.end();
          this.accepted(m, env, attempt, done.messageIds);
          if (env.edit !== undefined)
            this.deps.metrics.outboundFrames.inc({ ...this.labels, outcome: done.superseded ? 'superseded' : 'sent' });
          const receipt = receipts.ok(this.channel, this.account, env.id, done.messageIds, attempt);
          if (done.superseded) receipt.superseded = true;
          // The record that stops a redelivery from being sent again, worth waiting out a leader election
          // for. Its write goes on the connection now and reads of it are answered from memory until it
          // is stored, so the next envelope of the conversation does not wait; the ack waits for it.
          const committed = retryNatsTrouble(() => done.commit(receipt), {
            onTrouble: (cause) =>
              trace.logger(this.log).warn({ id: env.id, cause }, `outbox not written yet: NATS trouble (${cause}); retrying`),
          }).catch((err: Error) =>
            trace
              .logger(this.log)
              .warn({ id: env.id, err: err.message }, 'outbox not written: a redelivery of this envelope could be sent again'),
          );
          this.finish(m, started, receipt, trace, committed);
          return;
        } catch (thrown) {
          const err = toDeliveryError(thrown);
          call.end(err.message);
          if (signal.aborted) {
            trace.handBack('gateway stopping');
            m.nak(HAND_BACK_DELAY_MS);
            return;
          }
          if (err.deferred && this.hold(m, env, err)) {
            trace.handBack(`held: ${err.message}`);
            return;
          }
          const detail: ReceiptError = {
            code: err.code,
            message: err.message,
            retryable: err.retryable,
            ...(err.platformCode !== undefined ? { platformCode: err.platformCode } : {}),
          };
          if (!err.retryable || err.deferred || attempt >= delivery.maxAttempts) {
            const final = err.deferred
              ? `${err.message} (kept ${Math.round(delivery.holdFor / 60_000)} min; the recipient did not come back)`
              : err.retryable
                ? `${err.message} (gave up after ${attempt} attempts)`
                : err.message;
            trace
              .logger(this.log)
              .warn(
                { id: env.id, code: err.code, platformCode: err.platformCode, attempts: attempt },
                `outbound delivery failed: ${final}`,
              );
            this.finish(m, started, receipts.failed(this.channel, this.account, env.id, { ...detail, message: final }, attempt), trace);
            return;
          }
          const wait = backoff(attempt, { initialMs: delivery.initialBackoff, maxMs: delivery.maxBackoff }, err.retryAfterMs);
          metrics.retries.inc({ ...this.labels, code: err.code });
          trace
            .logger(this.log)
            .info(
              { id: env.id, attempt, waitMs: Math.round(wait), code: err.code, platformCode: err.platformCode },
              `delivery attempt failed, retrying: ${err.message}`,
            );
          try {
            await sleep(wait, signal);
          } catch {
            trace.handBack('gateway stopping');
            m.nak(HAND_BACK_DELAY_MS);
            return;
          }
        }
      }
    } finally {
      this.taken.delete(m);
    }
  }

  /**
   * Puts a deferred envelope back in the queue for later, unless it has waited `holdFor` already.
   * Returns false when the hold is over and the envelope should fail.
   */
  private hold(m: JsMsg, env: OutboundEnvelope, err: { message: string; retryAfterMs?: number }): boolean {
    const ageMs = Date.now() - m.info.timestampNanos / 1e6;
    if (ageMs >= this.deps.delivery.holdFor) return false;
    const delay = Math.min(err.retryAfterMs ?? 5000, this.deps.delivery.holdFor - ageMs);
    this.log.debug({ id: env.id, delayMs: delay, reason: err.message }, 'recipient unavailable: envelope kept for later');
    m.nak(delay);
    return true;
  }

  /** The platform took the envelope: its outbound latency counts from when the agent's publish was stored. */
  private accepted(m: JsMsg, env: OutboundEnvelope, attempts: number, messageIds: string[]): void {
    const seconds = Math.max(0, (Date.now() - m.info.timestampNanos / 1e6) / 1000);
    this.deps.metrics.outboundLatency.observe(this.labels, seconds);
    this.deps.metrics.top.observeLatency(this.channel, this.account, seconds);
    this.log.debug({ id: env.id, attempts, messageIds, ms: Math.round(seconds * 1000) }, 'outbound envelope delivered');
  }

  /**
   * Publishes the receipt, then acknowledges the envelope once the server has the receipt and `stored`
   * (the outbox write) settled: a receipt lost with a NATS node (the connection's server gone) is
   * published again on the next connection.
   */
  private finish(m: JsMsg, started: number, receipt: Receipt, trace: OutboundTrace, stored?: Promise<unknown>): void {
    this.taken.delete(m);
    const context = trace.end(receipt);
    const { receipts } = this.deps;
    receipts.publish(receipt, undefined, context);
    this.deps.metrics.deliverySeconds.observe(this.labels, (Date.now() - started) / 1000);
    const confirmed = receipts.confirmed().catch(() => receipts.publish(receipt, undefined, context, true));
    const acked = Promise.all([confirmed, stored]).then(() => m.ack());
    this.acking.add(acked);
    void acked.finally(() => this.acking.delete(acked));
  }
}

/** The queue of an envelope that names its own target: its conversation, or the message it answers or reacts to. */
function directKey(env: OutboundEnvelope): string {
  if (env.conversation) return `c:${env.conversation.id}`;
  return `r:${env.replyTo ?? env.react?.messageId}`;
}

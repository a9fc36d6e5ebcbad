import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/load';
import type { OutboundEnvelope, Receipt } from '../contract/schemas';
import type { Subjects } from '../contract/subjects';
import { checkOutbound } from '../contract/validate';
import { LEASE_TTL_MS, ensureOutConsumer } from '../bus/streams';
import { natsTrouble, retryNatsTrouble } from '../bus/replicas';
import type { Metrics } from '../http/metrics';
import type { QueueSampler } from '../http/queue-sampler';
import type { MediaStore } from '../media/store';
import type { Tracer } from '../trace/tracer';
import { BoundedMap } from '../plugin/bounded-map';
import type { ResolvedCapabilities } from '../plugin/capabilities';
import type { ChannelAdapter } from '../plugin/types';
import { KeyedQueue } from './keyed-queue';
import { Lease } from './lease';
import { Operations } from './operations';
import { Outbox } from './outbox';
import type { ReceiptError, ReceiptPublisher } from './receipts';
import { backoff } from '../plugin/backoff';
import { settledWithin, sleep } from '../plugin/timing';
import { toDeliveryError } from '../errors';
import { OutboundTrace } from './outbound-trace';
import { Takeover } from './takeover';
import { withTimeout } from './retry';

export interface OutboundDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  subjects: Subjects;
  delivery: GatewayConfig['delivery'];
  receipts: ReceiptPublisher;
  metrics: Metrics;
  outbox: KV;
  /** Outbound leases: one replica at a time consumes an account's queue. */
  leases: KV;
  /** This process's name in the leases. */
  owner: string;
  /** How long one pull request waits (`pullExpiresMs`). */
  pullExpiresMs: number;
  /** The media bucket, for attachments (absent when the gateway runs without one). */
  media?: MediaStore;
  /** Samples the depth and age of the queues this replica consumes. */
  queues: QueueSampler;
  tracer: Tracer;
}

/** Terms of sending, numbered across the process: a restarted instance's worker never repeats one. */
let terms = 0;

/** Conversation queues of recent envelopes by id, so an edit or delete queues behind the message it names. */
const REMEMBERED_KEYS = 10_000;

/** A stream frame (an edit) waiting in its queue: a newer frame of the same message supersedes it. */
interface Frame {
  started: boolean;
  superseded: boolean;
  done: boolean;
}

/** How long a taken envelope stays with a replica that stopped answering before it is offered again. */
const ACK_WAIT_MS = 15_000;
/**
 * The longest a new holder waits for the previous one's envelopes: the server notices an expired ack
 * wait on a timer of the same period, so a dead replica's envelopes return within two periods.
 */
const TAKEOVER_WAIT_MS = 2 * ACK_WAIT_MS + 1000;
/**
 * A stopping replica hands its taken envelopes back with this delay: the server would otherwise offer
 * them at once to the pull requests this replica still has open, where nobody takes them any more,
 * and the next holder would wait out the ack wait for them. By then this replica's connection is gone.
 */
const HAND_BACK_DELAY_MS = 2500;

/**
 * How long one pull request waits, by `nats.replicas`. On a cluster a lost stream leader stalls outbound
 * for about this long, so pulls are short there. A single copy has no leader to lose (a server restart is
 * a reconnect, after which nats.js pulls again), so pulls last nats.js's default: at 10,000 accounts
 * that is 330 pulls and 670 heartbeats a second instead of 1,000 and 2,000.
 */
export function pullExpiresMs(replicas: number): number {
  return replicas > 1 ? 10_000 : 30_000;
}

/**
 * Consumes one account's outbound queue and hands each envelope to the adapter: validated, in order
 * per conversation, retried with backoff while the error is retryable, recorded in the outbox so the
 * same envelope id is never delivered twice, acknowledged only after the platform took it, and always
 * ending in exactly one receipt.
 */
export class OutboundWorker {
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private consumerName?: string;
  private taking?: Promise<void>;
  private lease?: Lease;
  private readonly queue = new KeyedQueue();
  /**
   * Envelopes taken from the queue and not yet acknowledged, including those waiting behind earlier
   * ones of their conversation: all are kept alive together, or the server would offer them again.
   */
  private readonly taken = new Set<JsMsg>();
  private keepAlive?: NodeJS.Timeout;
  private readonly abort = new AbortController();
  private readonly stopping = new AbortController();
  private readonly labels: { channel: string; account: string };
  /** While taking over from another replica: the envelopes it had taken, gathered before any newer one. */
  private takeover?: Takeover;
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
  /** The adapter's `SendInfo.term`: new each time this worker takes the lease. */
  private term = 0;

  constructor(
    private readonly deps: OutboundDeps,
    private readonly channel: string,
    private readonly account: string,
    adapter: ChannelAdapter,
    capabilities: ResolvedCapabilities,
    private readonly log: Logger,
  ) {
    this.labels = { channel, account };
    this.outbox = new Outbox(deps.outbox, channel, account);
    this.ops = new Operations(adapter, capabilities, this.outbox, deps.media, { channel, account }, log);
  }

  /** This replica holds the account's outbound lease: it sends for the account. */
  get sending(): boolean {
    return this.lease?.held ?? false;
  }

  /**
   * Prepares the account's consumer and starts competing for its lease; envelopes flow once this
   * replica holds the lease (at once when it is alone).
   */
  async start(): Promise<void> {
    const { jsm, subjects, delivery } = this.deps;
    this.consumerName = await ensureOutConsumer(jsm, subjects, this.channel, this.account, {
      ackWaitMs: ACK_WAIT_MS,
      maxAckPending: delivery.concurrency * 8,
    });
    this.lease = new Lease(
      this.deps.leases,
      `${this.channel}.${this.account}`,
      this.deps.owner,
      LEASE_TTL_MS,
      this.log,
      () => {
        this.term = ++terms;
        return (this.taking = this.consumeWhileHeld());
      },
      () => this.pause(),
    );
    this.lease.start();
  }

  /**
   * Starts consuming; when NATS fails it (no stream leader, no quorum: a node of the cluster lost),
   * tries again while this replica holds the lease, saying NATS is the cause.
   */
  private async consumeWhileHeld(): Promise<void> {
    for (let attempt = 0; !this.stopping.signal.aborted && this.lease?.held; attempt++) {
      try {
        await this.consume();
        return;
      } catch (err) {
        // A takeover begun before the failure starts afresh with the next try.
        this.takeover?.release();
        this.takeover = undefined;
        const cause = natsTrouble(err) ?? (err as Error).message;
        const wait = Math.min(5000, 250 * 2 ** attempt);
        this.log.warn(
          { err: (err as Error).message, cause, retryInMs: wait },
          `outbound consumer not started: NATS trouble (${cause}); retrying`,
        );
        await sleep(wait);
      }
    }
  }

  private async consume(): Promise<void> {
    const { js, jsm, subjects, delivery } = this.deps;
    const maxInFlight = delivery.concurrency * 8;
    if (this.stopping.signal.aborted) return;
    // Taking over from another replica: the envelopes it had taken and not acknowledged come back
    // (at once when it handed them back on a clean stop, after the ack wait when it died). They are
    // gathered and accepted in stream order before anything newer, so a conversation's next envelope
    // cannot overtake one the previous replica was sending.
    const info = await jsm.consumers.info(subjects.outStream, this.consumerName!);
    if (this.stopping.signal.aborted) return;
    if (info.num_ack_pending > 0) {
      this.log.info({ pending: info.num_ack_pending }, 'taking over outbound from another replica: the envelopes it had taken go first');
      const pendingNow = async () => (await jsm.consumers.info(subjects.outStream, this.consumerName!)).num_ack_pending;
      this.takeover = new Takeover(info.delivered.stream_seq, TAKEOVER_WAIT_MS, pendingNow, (ms) => this.endTakeover(ms));
    }
    // From the info just read: no second request per account (10,000 accounts start at once).
    const consumer = js.consumers.getConsumerFromInfo(info);
    // Pulls expire after pullExpiresMs: when the stream's leader is lost (a NATS node down) the pulls it
    // held are gone too, and two missed heartbeats (one per half expiry) start new ones on the next leader.
    const messages = await consumer.consume({
      max_messages: Math.min(delivery.concurrency * 2, maxInFlight),
      expires: this.deps.pullExpiresMs,
    });
    if (this.stopping.signal.aborted) {
      await messages.close();
      return;
    }
    this.messages = messages;
    this.deps.queues.track({ ...this.labels, consumer: this.consumerName!, subject: subjects.out(this.channel, this.account) });
    this.keepAlive ??= setInterval(() => {
      for (const m of this.taken) m.working();
    }, ACK_WAIT_MS / 3);
    this.keepAlive.unref?.();
    this.loop = (async () => {
      for await (const m of messages) {
        if (this.takeover) {
          this.taken.add(m);
          const earlier = this.takeover.add(m);
          if (earlier) this.taken.delete(earlier);
          continue;
        }
        // Frames a newer one replaced cost nothing to finish: they do not hold back what comes next (a
        // stream's `done` waiting behind a hundred streams' stale frames).
        while (this.queue.size - this.supersededWaiting >= maxInFlight) await sleep(5);
        this.accept(m);
      }
    })().catch((err: Error) =>
      this.log.error(
        { err: err.message, ...(natsTrouble(err) ? { cause: natsTrouble(err) } : {}) },
        natsTrouble(err) ? `outbound consumer stopped: NATS trouble (${natsTrouble(err)})` : 'outbound consumer stopped unexpectedly',
      ),
    );
  }

  /** Accepts what the takeover gathered: the previous holder's envelopes in stream order, then the newer ones. */
  private endTakeover(waitedMs: number): void {
    const t = this.takeover;
    if (!t) return;
    this.takeover = undefined;
    const late = waitedMs >= TAKEOVER_WAIT_MS;
    const { previous, newer } = t.release();
    this.log[late ? 'warn' : 'info'](
      { returned: previous.length, newer: newer.length, waitedMs },
      late
        ? 'taking over outbound: not every envelope of the previous replica came back in time (deferred ones come later); going on'
        : "taking over outbound: the previous replica's envelopes are back; going on",
    );
    for (const m of [...previous, ...newer]) this.accept(m);
  }

  /**
   * After this replica's NATS connection came back: envelopes the server handed over while it was
   * breaking never arrived and come back only after the ack wait. Pulling starts afresh as after a
   * takeover, so they go out before the conversation's newer envelopes.
   */
  resync(): void {
    if (!this.lease?.held || !this.messages || this.stopping.signal.aborted) return;
    this.taking = (async () => {
      await this.taking;
      await this.pause();
      if (this.lease?.held) await this.consumeWhileHeld();
    })();
  }

  /** Stops pulling (the lease went to another replica); envelopes already taken still finish. */
  private async pause(): Promise<void> {
    if (this.takeover) {
      // Stopping mid-takeover: what was gathered goes back to the queue untouched.
      for (const m of this.takeover.release().all) {
        this.taken.delete(m);
        m.nak(HAND_BACK_DELAY_MS);
      }
      this.takeover = undefined;
    }
    this.messages?.stop();
    if (this.consumerName) this.deps.queues.untrack(this.consumerName);
    await this.loop;
    this.messages = undefined;
  }

  /**
   * Stops taking new envelopes and lets those in flight finish within `deadlineMs` (the rest go back to
   * the queue), then hands the lease over.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping.abort();
    await this.taking;
    await this.pause();
    if (!(await settledWithin(this.queue.idle(), deadlineMs))) {
      this.abort.abort(new Error('gateway stopping'));
      await this.queue.idle();
    }
    // Delivered envelopes whose outbox write and ack are still on their way: acked before the lease goes.
    await settledWithin(Promise.all(this.acking), deadlineMs);
    clearInterval(this.keepAlive);
    await this.lease?.release();
  }

  private accept(m: JsMsg): void {
    const trace = new OutboundTrace(this.deps.tracer, m, this.channel, this.account);
    trace.run(() => this.take(m, trace));
  }

  private take(m: JsMsg, trace: OutboundTrace): void {
    this.deps.metrics.outbound.inc(this.labels);
    this.taken.add(m);
    const started = Date.now();
    const { maxBytes } = this.deps.delivery;
    let value: unknown;
    let parseError: Error | undefined;
    try {
      value = JSON.parse(m.string());
    } catch (err) {
      parseError = err as Error;
    }
    if (m.data.length > maxBytes) {
      // Still name the envelope, so the agent can match the refusal to what it sent.
      const rawId = (value as { id?: unknown } | null)?.id;
      const message = `envelope is ${m.data.length} bytes; the limit is ${maxBytes} (delivery.maxBytes)`;
      this.finish(
        m,
        started,
        this.deps.receipts.failed(
          this.channel,
          this.account,
          typeof rawId === 'string' ? rawId : undefined,
          { code: 'E_TOO_LARGE', message, retryable: false },
          0,
        ),
        trace,
      );
      return;
    }
    if (parseError) {
      this.finish(
        m,
        started,
        this.deps.receipts.failed(
          this.channel,
          this.account,
          undefined,
          { code: 'E_SCHEMA', message: `payload is not JSON: ${parseError.message}`, retryable: false },
          0,
        ),
        trace,
      );
      return;
    }
    const checked = checkOutbound(value);
    if (!checked.ok) {
      const rawId = (value as { id?: unknown } | null)?.id;
      const id = typeof rawId === 'string' ? rawId : undefined;
      this.finish(
        m,
        started,
        this.deps.receipts.failed(this.channel, this.account, id, { code: 'E_SCHEMA', message: checked.message, retryable: false }, 0),
        trace,
      );
      return;
    }
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
   * Publishes the receipt, then acknowledges the envelope once the server has the receipt: a receipt
   * lost with a NATS node (the connection's server gone) is published again on the next connection.
   */
  /** Publishes the receipt; acks once the server has it and `stored` (the outbox write) settled. */
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

import {
  JetStreamApiError,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import type { Subjects } from '../contract/subjects';
import { CONSUMER_NOT_FOUND, LEASE_TTL_MS, ensureOutConsumer } from '../bus/streams';
import { natsTrouble } from '../bus/replicas';
import type { QueueSampler } from '../http/queue-sampler';
import type { ResolvedCapabilities } from '../plugin/capabilities';
import type { ChannelAdapter } from '../plugin/types';
import { sleep } from '../plugin/timing';
import { Deliveries, type DeliveryDeps } from './deliveries';
import { Lease } from './lease';
import { Takeover } from './takeover';

export interface OutboundDeps extends DeliveryDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  subjects: Subjects;
  /** Outbound leases: one replica at a time consumes an account's queue. */
  leases: KV;
  /** This process's name in the leases. */
  owner: string;
  /** How long one pull request waits (`pullExpiresMs`). */
  pullExpiresMs: number;
  /** Samples the depth and age of the queues this replica consumes. */
  queues: QueueSampler;
}

/** Terms of sending, numbered across the process: a restarted instance's worker never repeats one. */
let terms = 0;

/** How long a taken envelope stays with a replica that stopped answering before it is offered again. */
const ACK_WAIT_MS = 15_000;
/**
 * The longest a new holder waits for the previous one's envelopes: the server notices an expired ack
 * wait on a timer of the same period, so a dead replica's envelopes return within two periods.
 */
const TAKEOVER_WAIT_MS = 2 * ACK_WAIT_MS + 1000;

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
 * Consumes one account's outbound queue while this replica holds the account's outbound lease: the
 * durable consumer, the pulls, taking over from a previous holder, starting afresh after a reconnect,
 * and a clean stop. Each envelope taken goes to {@link Deliveries}, which sends it exactly once.
 */
export class OutboundWorker {
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private consumerName?: string;
  private taking?: Promise<void>;
  private lease?: Lease;
  private readonly stopping = new AbortController();
  private readonly labels: { channel: string; account: string };
  /** While taking over from another replica: the envelopes it had taken, gathered before any newer one. */
  private takeover?: Takeover;
  private readonly deliveries: Deliveries;

  constructor(
    private readonly deps: OutboundDeps,
    private readonly channel: string,
    private readonly account: string,
    adapter: ChannelAdapter,
    capabilities: ResolvedCapabilities,
    private readonly log: Logger,
  ) {
    this.labels = { channel, account };
    this.deliveries = new Deliveries(deps, channel, account, adapter, capabilities, log, ACK_WAIT_MS);
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
    await this.prepareConsumer();
    this.lease = new Lease(
      this.deps.leases,
      `${this.channel}.${this.account}`,
      this.deps.owner,
      LEASE_TTL_MS,
      this.log,
      () => {
        this.deliveries.term = ++terms;
        return (this.taking = this.consumeWhileHeld());
      },
      () => this.pause(),
    );
    this.lease.start();
  }

  private async prepareConsumer(): Promise<void> {
    const { jsm, subjects, delivery } = this.deps;
    this.consumerName = await ensureOutConsumer(jsm, subjects, this.channel, this.account, {
      ackWaitMs: ACK_WAIT_MS,
      maxAckPending: delivery.concurrency * 8,
    });
  }

  /** The consumer's info; a consumer the server forgot (it keeps them in memory, see `ensureOutConsumer`) is made anew. */
  private async consumerInfo(): Promise<ConsumerInfo> {
    const { jsm, subjects } = this.deps;
    try {
      return await jsm.consumers.info(subjects.outStream, this.consumerName!);
    } catch (err) {
      if (!(err instanceof JetStreamApiError && err.code === CONSUMER_NOT_FOUND)) throw err;
      this.log.info(
        { consumer: this.consumerName },
        'outbound consumer gone (a NATS restart forgets it): made again; what was not acknowledged comes again',
      );
      await this.prepareConsumer();
      return jsm.consumers.info(subjects.outStream, this.consumerName!);
    }
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
    const info = await this.consumerInfo();
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
    // A consumer or stream that went away ends the pulls with an error: pulling starts again (resync),
    // making the consumer anew, instead of waiting for one that will not come back.
    const messages = await consumer.consume({
      max_messages: Math.min(delivery.concurrency * 2, maxInFlight),
      expires: this.deps.pullExpiresMs,
      abort_on_missing_resource: true,
    });
    if (this.stopping.signal.aborted) {
      await messages.close();
      return;
    }
    this.messages = messages;
    this.deps.queues.track({ ...this.labels, consumer: this.consumerName!, subject: subjects.out(this.channel, this.account) });
    this.loop = (async () => {
      for await (const m of messages) {
        if (this.takeover) {
          this.deliveries.keep(m);
          const earlier = this.takeover.add(m);
          if (earlier) this.deliveries.letGo(earlier);
          continue;
        }
        // Frames a newer one replaced cost nothing to finish: they do not hold back what comes next (a
        // stream's `done` waiting behind a hundred streams' stale frames).
        while (this.deliveries.waiting >= maxInFlight) await sleep(5);
        this.deliveries.accept(m);
      }
    })().catch((err: Error) => {
      const trouble = natsTrouble(err);
      this.log.error(
        { err: err.message, ...(trouble ? { cause: trouble } : {}) },
        `${trouble ? `outbound consumer stopped: NATS trouble (${trouble})` : 'outbound consumer stopped unexpectedly'}; pulling again`,
      );
      if (this.messages === messages) this.resync();
    });
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
    for (const m of [...previous, ...newer]) this.deliveries.accept(m);
  }

  /**
   * After this replica's NATS connection came back: envelopes the server handed over while it was
   * breaking never arrived and come back only after the ack wait. Pulling starts afresh as after a
   * takeover, so they go out before the conversation's newer envelopes. Also when the pulls ended with
   * an error (the consumer gone): pulling starts again, making it anew.
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
      for (const m of this.takeover.release().all) this.deliveries.handBack(m);
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
    await this.deliveries.finishAll(deadlineMs);
    await this.lease?.release();
  }
}

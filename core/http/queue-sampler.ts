import type { ConsumerInfo, JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { Metrics } from './metrics';
import type { AccountSample } from './top-accounts';

/** One account's outbound queue: its durable consumer on the outbound stream and its subject. */
export interface QueueRef {
  channel: string;
  account: string;
  consumer: string;
  subject: string;
}

/** Age lookups of non-empty queues running at once in one sample. */
const AGE_LOOKUPS_AT_ONCE = 8;

/**
 * Samples the outbound queues this replica consumes (the accounts whose lease it holds, so replicas do
 * not count one queue twice) every `intervalMs`, never per request: one consumer listing per 256
 * consumers of the stream, plus one message lookup per non-empty queue for the age of its oldest
 * envelope. Sets the queue gauges and the top accounts.
 */
export class QueueSampler {
  private readonly queues = new Map<string, QueueRef>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly metrics: Metrics,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  /** The queue is consumed here from now on. */
  track(ref: QueueRef): void {
    this.queues.set(ref.consumer, ref);
  }

  /** The queue is no longer consumed here (lease lost, instance stopped). */
  untrack(consumer: string): void {
    this.queues.delete(consumer);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Takes one sample now (skipped while one runs). Never rejects: a failed sample leaves the previous figures. */
  sample(): Promise<void> {
    this.running ??= this.take()
      .catch((err: Error) => this.log.debug({ err: err.message }, 'outbound queue sample failed; keeping the previous figures'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async take(): Promise<void> {
    const wanted = new Map(this.queues);
    const infos: Array<{ ref: QueueRef; info: ConsumerInfo }> = [];
    if (wanted.size) {
      for await (const info of this.jsm.consumers.list(this.stream)) {
        const ref = wanted.get(info.name);
        if (ref) infos.push({ ref, info });
      }
    }
    const now = Date.now();
    const samples: AccountSample[] = infos.map(({ ref, info }) => ({
      channel: ref.channel,
      account: ref.account,
      depth: info.num_pending + info.num_ack_pending,
      oldestSeconds: 0,
    }));
    const waiting = infos.map((x, i) => ({ ...x, sample: samples[i]! })).filter((x) => x.sample.depth > 0);
    for (let i = 0; i < waiting.length; i += AGE_LOOKUPS_AT_ONCE) {
      await Promise.all(
        waiting.slice(i, i + AGE_LOOKUPS_AT_ONCE).map(async ({ ref, info, sample }) => {
          // The outbound stream is a work queue: acknowledged envelopes are gone, so the first one left on
          // the account's subject after the ack floor is the oldest not yet delivered.
          const query = { seq: info.ack_floor.stream_seq + 1, next_by_subj: ref.subject } as unknown as { seq: number };
          const m = await this.jsm.streams.getMessage(this.stream, query).catch(() => null);
          if (m) sample.oldestSeconds = Math.max(0, (now - m.time.getTime()) / 1000);
        }),
      );
    }
    this.publish(samples);
  }

  /** Replaces the gauges in one go, so a scrape never sees half a sample. */
  private publish(samples: AccountSample[]): void {
    const { queueDepth, queueOldest } = this.metrics;
    queueDepth.reset();
    queueOldest.reset();
    const byLabels = new Map<string, { labels: Record<string, string>; depth: number; oldest: number }>();
    for (const s of samples) {
      const labels = this.metrics.labels(s.channel, s.account);
      const key = JSON.stringify(labels);
      const agg = byLabels.get(key) ?? { labels, depth: 0, oldest: 0 };
      agg.depth += s.depth;
      agg.oldest = Math.max(agg.oldest, s.oldestSeconds);
      byLabels.set(key, agg);
    }
    for (const { labels, depth, oldest } of byLabels.values()) {
      queueDepth.set(labels, depth);
      queueOldest.set(labels, oldest);
    }
    this.metrics.top.publish(samples);
  }
}

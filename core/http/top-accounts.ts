import type { Gauge } from 'prom-client';

/** One account's figures at a sample. */
export interface AccountSample {
  channel: string;
  account: string;
  /** Outbound envelopes waiting or in flight. */
  depth: number;
  /** Age of the oldest of them, in seconds (0 when none waits). */
  oldestSeconds: number;
}

type Measure = 'outbound_queue_oldest_seconds' | 'outbound_queue_depth' | 'outbound_latency_seconds';

/**
 * Names the few accounts that stand out, per channel and measure, in `chat_gateway_top_accounts`: the
 * answer to "which bot is slow" and "whose queue is behind" that costs a bounded number of series
 * (channels x 3 x `limit`) however many accounts run, so it is there without per-account series too.
 */
export class TopAccounts {
  /** Outbound latency since the last sample: sum and count per account. */
  private latency = new Map<string, { channel: string; account: string; sum: number; count: number }>();

  constructor(
    private readonly gauge: Gauge<string>,
    private readonly limit: number,
  ) {}

  /** Counts one delivery's outbound latency towards the account's mean until the next sample. */
  observeLatency(channel: string, account: string, seconds: number): void {
    if (this.limit === 0) return;
    const key = `${channel}/${account}`;
    const entry = this.latency.get(key) ?? { channel, account, sum: 0, count: 0 };
    entry.sum += seconds;
    entry.count++;
    this.latency.set(key, entry);
  }

  /** Replaces the series with the leaders of this sample; the latency means start again from zero. */
  publish(queues: AccountSample[]): void {
    const latency = [...this.latency.values()].map((e) => ({ ...e, value: e.sum / e.count }));
    this.latency = new Map();
    this.gauge.reset();
    if (this.limit === 0) return;
    this.lead(
      'outbound_queue_oldest_seconds',
      queues.map((q) => ({ ...q, value: q.oldestSeconds })),
    );
    this.lead(
      'outbound_queue_depth',
      queues.map((q) => ({ ...q, value: q.depth })),
    );
    this.lead('outbound_latency_seconds', latency);
  }

  private lead(measure: Measure, rows: Array<{ channel: string; account: string; value: number }>): void {
    const byChannel = new Map<string, typeof rows>();
    for (const r of rows) {
      if (r.value <= 0) continue;
      const list = byChannel.get(r.channel);
      if (list) list.push(r);
      else byChannel.set(r.channel, [r]);
    }
    for (const [channel, list] of byChannel) {
      for (const r of list.sort((a, b) => b.value - a.value).slice(0, this.limit))
        this.gauge.set({ channel, account: r.account, measure }, r.value);
    }
  }
}

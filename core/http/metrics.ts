import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { gatewayVersion } from '../plugin/version';
import { processRegistry } from './process-metrics';
import { TopAccounts } from './top-accounts';

type Labels = Record<string, string>;

/** How the gateway's series are labelled. */
export interface MetricsOptions {
  /**
   * Label series with `account` as well as `channel` (`metrics.perAccount`). Off by default: with
   * thousands of accounts every histogram would grow by its buckets per account. Default false.
   */
  perAccount?: boolean;
  /** How many accounts per channel `chat_gateway_top_accounts` names for each measure (`metrics.topAccounts`). Default 10. */
  topAccounts?: number;
}

/** What the gateway says about one of its plugin instances, for the instance series. */
export interface InstanceView {
  channel: string;
  account: string;
  state: string;
}

const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * A series labelled by channel, and by account too when per-account series are on: callers always
 * pass both, and the account is dropped here when it is off.
 */
class Scoped {
  constructor(private readonly perAccount: boolean) {}

  names(extra: string[] = []): string[] {
    return [...(this.perAccount ? ['channel', 'account'] : ['channel']), ...extra];
  }

  /** The labels to record, in name order (the exposition keeps the order given: stable for readers and greps). */
  labels(labels: Labels): Labels {
    const out: Labels = {};
    for (const k of Object.keys(labels).sort()) if (this.perAccount || k !== 'account') out[k] = labels[k]!;
    return out;
  }
}

/** A counter of the gateway; `inc` takes `channel`, `account` and the series' own labels. */
export class ScopedCounter {
  constructor(
    private readonly counter: Counter<string>,
    private readonly scope: Scoped,
  ) {}

  inc(labels: Labels, by = 1): void {
    this.counter.inc(this.scope.labels(labels), by);
  }

  /** The sum over the series whose labels include `labels` (the account ignored when it is not a label). */
  async value(labels: Labels = {}): Promise<number> {
    const want = Object.entries(this.scope.labels(labels));
    const { values } = await this.counter.get();
    return values.filter((v) => want.every(([k, x]) => v.labels[k] === x)).reduce((sum, v) => sum + v.value, 0);
  }
}

/** A histogram of the gateway; `observe` takes `channel`, `account` and the value in seconds. */
export class ScopedHistogram {
  constructor(
    private readonly histogram: Histogram<string>,
    private readonly scope: Scoped,
  ) {}

  observe(labels: Labels, seconds: number): void {
    this.histogram.observe(this.scope.labels(labels), Math.max(0, seconds));
  }
}

/**
 * The gateway's Prometheus metrics, on a registry of its own (several gateways may run in one process),
 * rendered at `/metrics` after the process and runtime series every Node service exposes. What each
 * series means: docs/operations.md, "Observing the gateway".
 */
export class Metrics {
  readonly registry = new Registry();
  readonly perAccount: boolean;
  private readonly scope: Scoped;
  private instances: () => InstanceView[] = () => [];

  readonly inbound: ScopedCounter;
  readonly outbound: ScopedCounter;
  readonly receipts: ScopedCounter;
  readonly retries: ScopedCounter;
  /**
   * Frames of streamed messages, `outcome` `sent` (went to the platform) or `superseded` (a newer
   * snapshot replaced it while it waited). For the streaming delivery to count: no other code does.
   */
  readonly outboundFrames: ScopedCounter;
  readonly deliverySeconds: ScopedHistogram;
  readonly inboundLatency: ScopedHistogram;
  readonly outboundLatency: ScopedHistogram;
  readonly queueDepth: Gauge<string>;
  readonly queueOldest: Gauge<string>;
  readonly natsConnected: Gauge<string>;
  readonly natsReconnects: Counter<string>;
  readonly natsDisconnects: Counter<string>;
  /** Accounts that stand out, per channel: see `TopAccounts`. */
  readonly top: TopAccounts;

  constructor(options: MetricsOptions = {}) {
    this.perAccount = options.perAccount ?? false;
    const scope = (this.scope = new Scoped(this.perAccount));
    const registers = [this.registry];
    const counter = (name: string, help: string, extra: string[] = []) =>
      new ScopedCounter(new Counter({ name, help, labelNames: scope.names(extra), registers }), scope);
    const histogram = (name: string, help: string, buckets: number[]) =>
      new ScopedHistogram(new Histogram({ name, help, labelNames: scope.names(), buckets, registers }), scope);

    this.inbound = counter(
      'chat_gateway_inbound_total',
      'Inbound platform messages by outcome (stored, duplicate, denied, ignored, error)',
      ['outcome'],
    );
    this.outbound = counter('chat_gateway_outbound_total', 'Outbound envelopes consumed from NATS');
    this.receipts = counter('chat_gateway_receipts_total', 'Receipts published, by result and error code', ['result', 'code']);
    this.retries = counter(
      'chat_gateway_delivery_retries_total',
      'Delivery attempts retried after a retryable platform error, by error code',
      ['code'],
    );
    this.outboundFrames = counter(
      'chat_gateway_outbound_frames_total',
      'Frames of streamed messages: sent to the platform, or superseded by a newer snapshot before they went',
      ['outcome'],
    );
    this.deliverySeconds = histogram(
      'chat_gateway_delivery_seconds',
      'Time from an outbound envelope being consumed to its receipt',
      [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    );
    this.inboundLatency = histogram(
      'chat_gateway_inbound_latency_seconds',
      'Time from the platform event (the time the platform gives the message) to the envelope stored in NATS',
      LATENCY_BUCKETS,
    );
    this.outboundLatency = histogram(
      'chat_gateway_outbound_latency_seconds',
      'Time from an outbound envelope stored in NATS (published by the agent) to the platform accepting it',
      LATENCY_BUCKETS,
    );
    const gauge = (name: string, help: string, labelNames: string[], collect?: () => void) =>
      new Gauge({ name, help, labelNames, registers, ...(collect ? { collect } : {}) });
    this.queueDepth = gauge(
      'chat_gateway_outbound_queue_depth',
      "Outbound envelopes waiting or in flight in the accounts' queues this replica consumes (sampled)",
      scope.names(),
    );
    this.queueOldest = gauge(
      'chat_gateway_outbound_queue_oldest_seconds',
      'Age of the oldest outbound envelope not yet delivered (sampled; per channel: the oldest of its accounts)',
      scope.names(),
    );
    this.natsConnected = gauge('chat_gateway_nats_connected', '1 while the connection to NATS is up', []);
    this.natsReconnects = new Counter({ name: 'chat_gateway_nats_reconnects_total', help: 'Reconnections to NATS', registers });
    this.natsDisconnects = new Counter({ name: 'chat_gateway_nats_disconnects_total', help: 'Connections to NATS lost', registers });
    this.top = new TopAccounts(
      gauge(
        'chat_gateway_top_accounts',
        'The accounts with the highest value of each measure, per channel, at the last sample (outbound_queue_oldest_seconds, outbound_queue_depth, outbound_latency_seconds: the mean since the sample before)',
        ['channel', 'account', 'measure'],
      ),
      options.topAccounts ?? 10,
    );
    if (this.perAccount) {
      const up = gauge('chat_gateway_instance_up', '1 when the plugin instance is started', ['channel', 'account'], () => {
        up.reset();
        for (const i of this.instances()) up.set({ account: i.account, channel: i.channel }, i.state === 'started' ? 1 : 0);
      });
    }
    const byState = gauge(
      'chat_gateway_instances',
      'Plugin instances by channel and state (pending, starting, started, failed, stopped)',
      ['channel', 'state'],
      () => {
        byState.reset();
        for (const i of this.instances()) byState.inc({ channel: i.channel, state: i.state });
      },
    );
    gauge('chat_gateway_build_info', 'The running version, always 1', ['version']).set({ version: gatewayVersion() }, 1);
    this.natsConnected.set(0);
  }

  /** Where the instance series read the instances and their states from (the gateway, at each scrape). */
  watchInstances(list: () => InstanceView[]): void {
    this.instances = list;
  }

  /** The labels of a channel/account series as this gateway exposes them (without the account unless per account). */
  labels(channel: string, account: string): Labels {
    return this.scope.labels({ channel, account });
  }

  /** The content type of `render()`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition: process and runtime series, then the gateway's. */
  async render(): Promise<string> {
    const [own, proc] = await Promise.all([this.registry.metrics(), processRegistry().metrics()]);
    return `${proc}\n${own}`;
  }
}

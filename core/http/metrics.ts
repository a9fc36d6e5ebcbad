type Labels = Record<string, string>;

const key = (labels: Labels) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`)
    .join(',');

class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels, by = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels): number {
    return this.values.get(key(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return lines.join('\n');
  }
}

class Histogram {
  private readonly series = new Map<string, { buckets: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: number[],
  ) {}
  observe(labels: Labels, value: number): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { buckets: this.bounds.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]!) s.buckets[i]!++;
    s.sum += value;
    s.count++;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : '';
      this.bounds.forEach((b, i) => lines.push(`${this.name}_bucket{${sep}le="${b}"} ${s.buckets[i]}`));
      lines.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return lines.join('\n');
  }
}

/** The gateway's Prometheus metrics, rendered as text at `/metrics`. */
export class Metrics {
  readonly inbound = new Counter(
    'chat_gateway_inbound_total',
    'Inbound platform messages by outcome (stored, duplicate, denied, ignored, error)',
  );
  readonly outbound = new Counter('chat_gateway_outbound_total', 'Outbound envelopes consumed from NATS');
  readonly receipts = new Counter('chat_gateway_receipts_total', 'Receipts published, by result and error code');
  readonly retries = new Counter('chat_gateway_delivery_retries_total', 'Delivery attempts retried after a retryable platform error');
  readonly deliverySeconds = new Histogram(
    'chat_gateway_delivery_seconds',
    'Time from an outbound envelope being consumed to its receipt',
    [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  );
  readonly instanceUp = new Map<string, boolean>();

  render(): string {
    const up = [`# HELP chat_gateway_instance_up 1 when the plugin instance is started`, `# TYPE chat_gateway_instance_up gauge`];
    for (const [k, v] of this.instanceUp) {
      const [channel, account] = k.split('/');
      up.push(`chat_gateway_instance_up{account="${account}",channel="${channel}"} ${v ? 1 : 0}`);
    }
    return (
      [this.inbound, this.outbound, this.receipts, this.retries, this.deliverySeconds]
        .map((m) => m.render())
        .concat(up.join('\n'))
        .join('\n') + '\n'
    );
  }
}

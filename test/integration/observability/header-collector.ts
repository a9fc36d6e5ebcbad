import type { NatsConnection, Subscription } from '@nats-io/transport-node';

/** A message seen on a subject: its JSON body and its `traceparent` header. */
export interface Seen {
  subject: string;
  body: Record<string, unknown>;
  traceparent?: string;
}

/** Collects messages on a subject with their trace header, as any NATS client would see them. */
export class HeaderCollector {
  readonly items: Seen[] = [];
  private readonly sub: Subscription;
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  constructor(nc: NatsConnection, subject: string) {
    this.sub = nc.subscribe(subject, {
      callback: (_err, msg) => {
        const traceparent = msg.headers?.get('traceparent') || undefined;
        this.items.push({ subject: msg.subject, body: JSON.parse(msg.string()), ...(traceparent ? { traceparent } : {}) });
        this.waiters = this.waiters.filter((w) => (this.items.length >= w.n ? (w.resolve(), false) : true));
      },
    });
  }

  /** Resolves when `n` messages arrived; rejects after `timeoutMs` saying what did. */
  async waitFor(n: number, timeoutMs = 10_000): Promise<Seen[]> {
    if (this.items.length >= n) return this.items;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`expected ${n} messages, got ${JSON.stringify(this.items).slice(0, 500)}`)), timeoutMs);
      this.waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
    });
    return this.items;
  }

  close(): void {
    this.sub.unsubscribe();
  }
}

/** The trace id of a `traceparent` value. */
export const traceIdOf = (traceparent: string | undefined) => traceparent?.split('-')[1];
/** The span id (the parent of what continues it) of a `traceparent` value. */
export const spanIdOf = (traceparent: string | undefined) => traceparent?.split('-')[2];

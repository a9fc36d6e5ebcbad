import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { isMarker } from './marker';

interface Waiter {
  ready: () => boolean;
  resolve: () => void;
}

/**
 * Collects the messages on a subject (JSON-decoded) until closed. Barrier markers (see `barrier.ts`)
 * are kept apart in `markers`, so `items` holds exactly what the test is about.
 */
export class Collector<T = Record<string, unknown>> {
  readonly items: T[] = [];
  readonly markers: T[] = [];
  private readonly sub: Subscription;
  private waiters: Waiter[] = [];

  constructor(nc: NatsConnection, subject: string) {
    this.sub = nc.subscribe(subject, {
      callback: (_err, msg) => {
        const item = JSON.parse(msg.string()) as T;
        (isMarker(item) ? this.markers : this.items).push(item);
        this.waiters = this.waiters.filter((w) => (w.ready() ? (w.resolve(), false) : true));
      },
    });
  }

  /** Resolves when at least `n` items arrived; rejects after `timeoutMs` saying how many did. */
  async waitFor(n: number, timeoutMs = 10_000): Promise<T[]> {
    await this.until(
      () => this.items.length >= n,
      timeoutMs,
      () => `expected ${n} messages, got ${this.items.length}: ${JSON.stringify(this.items).slice(0, 500)}`,
    );
    return this.items;
  }

  /** Resolves with the first item whose `id` is `id` (a receipt of an envelope, say); rejects after `timeoutMs` naming the ids seen. */
  async waitForId(id: string, timeoutMs = 15_000): Promise<T> {
    const find = () => this.items.find((x) => (x as { id?: unknown }).id === id);
    await this.until(
      () => find() !== undefined,
      timeoutMs,
      () => `no item with id ${id} in ${timeoutMs} ms (got ${this.items.map((x) => (x as { id?: unknown }).id).join(', ')})`,
    );
    return find()!;
  }

  /** Resolves with the marker `marker` once it arrived here. */
  async waitForMarker(marker: string, timeoutMs = 20_000): Promise<T> {
    const find = () => this.markers.find((m) => isMarker(m, marker));
    await this.until(
      () => find() !== undefined,
      timeoutMs,
      () => `marker ${marker} did not arrive; items: ${this.items.length}`,
    );
    return find()!;
  }

  close(): void {
    this.sub.unsubscribe();
  }

  private until(ready: () => boolean, timeoutMs: number, failure: () => string): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(failure())), timeoutMs);
      this.waiters.push({
        ready,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      });
    });
  }
}

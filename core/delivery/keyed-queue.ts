/**
 * Runs tasks one at a time per key and in parallel across keys: outbound order per conversation,
 * parallel conversations. Keys with nothing pending are forgotten, so memory follows the work in flight.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private pending = 0;
  private idleWaiters: Array<() => void> = [];

  get size(): number {
    return this.pending;
  }

  push(key: string, task: () => Promise<void>): void {
    this.pending++;
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev
      .then(task)
      .catch(() => undefined)
      .finally(() => {
        this.pending--;
        if (this.tails.get(key) === next) this.tails.delete(key);
        if (this.pending === 0) this.idleWaiters.splice(0).forEach((w) => w());
      });
    this.tails.set(key, next);
  }

  /** Resolves when every pushed task has finished. */
  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((r) => this.idleWaiters.push(r));
  }
}

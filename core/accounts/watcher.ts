import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { Logger } from 'pino';
import { KeyedQueue } from '../delivery/keyed-queue';
import { settledWithin } from '../plugin/timing';

const START_WAIT_MS = 30_000;

/** What the gateway does with the bucket's entries: one call at a time per key, in the bucket's order. */
export interface AccountHandlers {
  put(key: string, value: unknown): Promise<void>;
  remove(key: string): Promise<void>;
}

/**
 * Watches the accounts bucket (`<prefix>_accounts`) and hands every put and delete to the gateway: the
 * entries there at start first (`start()` resolves once each was applied), then every change within
 * moments of it. Changes of one key are applied in order; different keys in parallel, so a thousand
 * accounts provisioned at once come up together.
 */
export class AccountsWatcher {
  private readonly queue = new KeyedQueue();
  private iter?: AsyncIterable<KvWatchEntry> & { stop(): void };
  private loop?: Promise<void>;

  constructor(
    private readonly kv: KV,
    private readonly handlers: AccountHandlers,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const initial = (await this.kv.status()).values;
    let caughtUp!: () => void;
    let synced = initial === 0;
    const ready = new Promise<void>((r) => (caughtUp = r));
    if (initial === 0) caughtUp();
    const iter = await this.kv.watch({ key: '>' });
    this.iter = iter;
    this.loop = (async () => {
      for await (const e of iter) {
        this.queue.push(e.key, () => this.apply(e));
        // The last of the entries there at start comes with nothing pending after it (delta 0): once
        // it, and those before it, are applied, start() resolves.
        if (!synced && e.delta === 0) {
          synced = true;
          void this.queue.idle().then(caughtUp);
        }
      }
    })().catch((err: Error) =>
      this.log.error({ err: err.message }, 'accounts bucket watch ended: provisioned changes are not applied until a restart'),
    );
    // A slow NATS must not hold the gateway's start forever: what is not applied by then follows.
    if (!(await settledWithin(ready, START_WAIT_MS)))
      this.log.warn(`accounts bucket not read within ${START_WAIT_MS} ms; its entries start as they arrive`);
  }

  private async apply(e: KvWatchEntry): Promise<void> {
    try {
      if (e.operation === 'PUT') {
        let value: unknown;
        try {
          value = e.json();
        } catch {
          value = e.string();
        }
        await this.handlers.put(e.key, value);
      } else await this.handlers.remove(e.key);
    } catch (err) {
      this.log.error({ key: e.key, err: (err as Error).message }, `accounts bucket change of ${e.key} not applied`);
    }
  }

  async stop(): Promise<void> {
    this.iter?.stop();
    await this.loop;
    await this.queue.idle();
  }
}

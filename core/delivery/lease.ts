import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';

/** What the lease's log lines say it is for. */
export interface LeaseWords {
  acquired: string;
  lost: string;
  /** Logged once when another replica holds the lease at the first try. */
  standby?: string;
}

const OUTBOUND_WORDS: LeaseWords = {
  acquired: 'outbound lease acquired: this replica sends for the account',
  lost: 'outbound lease lost: another replica sends for the account now',
};

/**
 * A lease in a KV bucket whose entries expire (`max_age`): whoever holds the key is the only replica
 * doing a job (consuming an account's outbound queue, so one conversation's envelopes leave in order
 * even when several gateways share the queue; or a plugin's exclusive role). The holder renews it well
 * before it expires; if the holder dies, the entry ages out and another replica takes over.
 */
export class Lease {
  private revision = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private ticking?: Promise<void>;

  constructor(
    private readonly kv: KV,
    private readonly key: string,
    private readonly owner: string,
    private readonly ttlMs: number,
    private readonly log: Logger,
    private readonly onAcquired: () => Promise<unknown>,
    private readonly onLost: () => Promise<void>,
    private readonly words: LeaseWords = OUTBOUND_WORDS,
  ) {}

  private tries = 0;

  get held(): boolean {
    return this.revision > 0;
  }

  start(): void {
    this.run();
  }

  private run(): void {
    this.ticking = this.tick();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.run(), ms);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    this.tries++;
    try {
      if (this.revision) {
        this.revision = await this.kv.update(this.key, this.owner, this.revision);
      } else {
        this.revision = await this.kv.create(this.key, this.owner);
        // Released while the create was on its way: give the key back instead of starting to send.
        if (this.stopped) return;
        this.log.info({ lease: this.key }, this.words.acquired);
        // Not awaited: renewing must go on while the holder gets ready.
        this.onAcquired().catch((err: Error) => this.log.error({ err: err.message }, 'outbound consumer failed to start'));
      }
      this.schedule(this.ttlMs / 3);
    } catch (err) {
      if (this.revision) {
        this.revision = 0;
        this.log.warn({ lease: this.key, err: (err as Error).message }, this.words.lost);
        this.onLost().catch(() => undefined);
      } else if (this.tries === 1 && this.words.standby) {
        this.log.info({ lease: this.key }, this.words.standby);
      }
      this.schedule(this.ttlMs / 4);
    }
  }

  /** Stops renewing and gives the lease up at once, so another replica can take over without waiting. */
  async release(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    if (!this.revision) return;
    const revision = this.revision;
    this.revision = 0;
    await this.kv.delete(this.key, { previousSeq: revision }).catch(() => undefined);
  }
}

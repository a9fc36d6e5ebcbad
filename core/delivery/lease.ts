import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import { isWrongRevision, natsTrouble } from '../bus/replicas';

/** What the lease's log lines say it is for. */
export interface LeaseWords {
  acquired: string;
  lost: string;
  /** Logged once when another replica holds the lease at the first try. */
  standby?: string;
  /** Logged when NATS could not renew the lease for its whole lifetime: this replica stops until NATS is back. */
  lapsed?: string;
}

const OUTBOUND_WORDS: LeaseWords = {
  acquired: 'outbound lease acquired: this replica sends for the account',
  lost: 'outbound lease lost: another replica sends for the account now',
  lapsed: 'outbound lease lapsed: NATS could not renew it; this replica pauses sending for the account until NATS is back',
};

/** Renewals may fail for NATS reasons this long (a share of the lease's life) before the holder gives up. */
const HOLD_THROUGH_TROUBLE = 0.7;

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
  /** When the holder last renewed (or took) the lease. */
  private renewedAt = 0;
  /** NATS trouble is logged once per spell, not at each retry. */
  private troubled = false;

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
        this.revision = await this.kv.update(this.key, this.owner, this.revision).catch((err) => this.ownWrite(err));
        this.renewedAt = Date.now();
      } else {
        this.revision = await this.kv.create(this.key, this.owner).catch((err) => this.ownWrite(err));
        this.renewedAt = Date.now();
        // Released while the create was on its way: give the key back instead of starting to send.
        if (this.stopped) return;
        this.log.info({ lease: this.key }, this.words.acquired);
        // Not awaited: renewing must go on while the holder gets ready.
        this.onAcquired().catch((err: Error) => this.log.error({ err: err.message }, 'lease holder failed to start'));
      }
      if (this.troubled) this.log.info({ lease: this.key }, 'lease renewed: NATS answers again');
      this.troubled = false;
      this.schedule(this.ttlMs / 3);
    } catch (err) {
      this.failed(err);
    }
  }

  /**
   * A write refused for its revision may be this replica's own earlier write that NATS stored but
   * did not confirm (a timeout during a leader election): then the lease is still ours, at that revision.
   */
  private async ownWrite(err: unknown): Promise<number> {
    if (!isWrongRevision(err)) throw err;
    const entry = await this.kv.get(this.key);
    // Written again at once: the entry found may be about to expire.
    if (entry?.operation === 'PUT' && entry.string() === this.owner) return this.kv.update(this.key, this.owner, entry.revision);
    throw err;
  }

  /**
   * A renewal or a take failed. Only a refused revision means another replica wrote the key; NATS
   * trouble (no stream leader, no quorum, timeouts) is retried often, and the holder keeps its role
   * while the lease it last wrote lasts: nobody else can take it meanwhile.
   */
  private failed(err: unknown): void {
    const message = (err as Error).message;
    const trouble = isWrongRevision(err) ? undefined : (natsTrouble(err) ?? `NATS refused the lease write: ${message}`);
    if (trouble === undefined) {
      if (this.revision) {
        this.revision = 0;
        this.log.warn({ lease: this.key, err: message }, this.words.lost);
        this.onLost().catch(() => undefined);
      } else if (this.tries === 1 && this.words.standby) {
        this.log.info({ lease: this.key }, this.words.standby);
      }
      this.schedule(this.ttlMs / 4);
      return;
    }
    if (!this.troubled)
      this.log.warn(
        { lease: this.key, err: message, cause: trouble },
        `lease not ${this.revision ? 'renewed' : 'taken'}: ${trouble}; retrying`,
      );
    this.troubled = true;
    if (this.revision && Date.now() - this.renewedAt >= this.ttlMs * HOLD_THROUGH_TROUBLE) {
      this.revision = 0;
      this.log.warn(
        { lease: this.key, cause: trouble, unrenewedMs: Date.now() - this.renewedAt },
        this.words.lapsed ?? 'lease lapsed: NATS could not renew it; this replica stops until NATS is back',
      );
      this.onLost().catch(() => undefined);
    }
    this.schedule(Math.min(1000, this.ttlMs / 10));
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

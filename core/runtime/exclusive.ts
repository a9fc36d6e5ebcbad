import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import { LEASE_TTL_MS } from '../bus/streams';
import { Lease } from '../delivery/lease';
import { settledWithin } from '../plugin/timing';

/** A role name: it becomes the last token of a KV key. */
const ROLE = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A plugin's exclusive role (`ctx.exclusive`): `hold` runs only on the one replica holding the role's
 * lease, with a signal aborted when the lease moves to another replica or the instance stops. For
 * platforms that allow one receiver per bot, such as Telegram's `getUpdates`.
 */
export class ExclusiveRole {
  private readonly lease: Lease;
  private holding?: { abort: AbortController; done: Promise<void> };
  private stopped = false;

  constructor(
    kv: KV,
    keyPrefix: string,
    readonly role: string,
    owner: string,
    private readonly log: Logger,
    private readonly hold: (signal: AbortSignal) => Promise<void>,
  ) {
    if (!ROLE.test(role)) throw new Error(`exclusive role "${role}" is not a valid name: use 1-64 characters of A-Z a-z 0-9 _ -`);
    this.lease = new Lease(
      kv,
      `${keyPrefix}.${role}`,
      owner,
      LEASE_TTL_MS,
      log,
      async () => this.begin(),
      () => this.end(`role "${role}" moved to another replica`),
      {
        acquired: `exclusive role "${role}" acquired: this replica does it`,
        lost: `exclusive role "${role}" lost: another replica does it now`,
        standby: `exclusive role "${role}" is held by another replica: this one stands by and takes over if that one stops`,
      },
    );
  }

  start(): void {
    this.lease.start();
  }

  private begin(): void {
    if (this.stopped) return;
    const abort = new AbortController();
    const done = this.hold(abort.signal).catch((err: Error) => {
      if (!abort.signal.aborted) this.log.error({ role: this.role, err: err.message }, `exclusive role "${this.role}" ended with an error`);
    });
    this.holding = { abort, done };
  }

  private async end(reason: string): Promise<void> {
    const holding = this.holding;
    this.holding = undefined;
    if (!holding) return;
    holding.abort.abort(new Error(reason));
    await holding.done;
  }

  /** Ends the holder (it gets `deadlineMs` to finish), then gives the lease up so another replica takes over at once. */
  async stop(deadlineMs: number): Promise<void> {
    this.stopped = true;
    await settledWithin(this.end('instance stopping'), deadlineMs);
    await this.lease.release();
  }
}

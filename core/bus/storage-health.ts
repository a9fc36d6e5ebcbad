import { jetstreamManager, type JetStreamManager, type StreamInfo } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { natsTrouble } from './replicas';

/** Whether JetStream can store what the gateway receives and sends now, and if not, why. */
export interface StorageState {
  ok: boolean;
  /** Why not (no quorum, a stream without leader, JetStream not answering), naming the stream. */
  cause?: string;
  since: string;
}

/** A replica not heard from for this long (nanoseconds) is not counted towards the quorum. */
const PEER_SILENCE_NS = 5e9;

/** What one stream's info says about storing: undefined when it can store. */
export function streamTrouble(info: StreamInfo): string | undefined {
  const c = info.cluster;
  const replicas = info.config.num_replicas || 1;
  if (!c) return undefined;
  if (!c.leader) return `stream ${info.config.name} has no leader`;
  if (replicas > 1) {
    // A peer counts while it is current and was heard from lately (a killed peer stays "current" a while).
    const heard = (r: { current: boolean; offline?: boolean; active: number }) => r.current && !r.offline && r.active < PEER_SILENCE_NS;
    const current = new Set([c.leader, ...(c.replicas ?? []).filter(heard).map((r) => r.name)]).size;
    const quorum = Math.floor(replicas / 2) + 1;
    if (current < quorum) return `stream ${info.config.name} has no quorum: ${current} of ${replicas} replicas current, ${quorum} needed`;
  }
  return undefined;
}

/**
 * Asks JetStream about the inbound and outbound streams every `everyMs` (answers only come from a
 * stream's leader, so no answer in time means no leader or no quorum): `/readyz` and `status`
 * report "cannot store" with the cause until it can store again. Changes are logged once each.
 */
export class StorageHealth {
  private state: StorageState = { ok: true, since: new Date().toISOString() };
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private jsm?: JetStreamManager;
  private stopped = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly streams: string[],
    private readonly log: Logger,
    private readonly everyMs = 1000,
    private readonly timeoutMs = 2000,
  ) {}

  get current(): StorageState {
    return this.state;
  }

  /** Checks once (so start-up knows), then keeps checking. */
  async start(): Promise<void> {
    this.jsm = await jetstreamManager(this.nc, { timeout: this.timeoutMs });
    await this.check();
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.check().finally(() => this.schedule());
    }, this.everyMs);
    this.timer.unref?.();
  }

  /** The first reason the streams cannot store now, or undefined. */
  private async probe(): Promise<string | undefined> {
    for (const name of this.streams) {
      try {
        const trouble = streamTrouble(await this.jsm!.streams.info(name));
        if (trouble) return trouble;
      } catch (err) {
        return `stream ${name}: ${natsTrouble(err) ?? (err as Error).message}`;
      }
    }
    return undefined;
  }

  async check(): Promise<void> {
    if (this.nc.isClosed()) return;
    const cause = await this.probe();
    if (this.stopped) return;
    const ok = cause === undefined;
    if (ok === this.state.ok) {
      // Still unable: the cause may read differently from one check to the next (no leader, then a timeout).
      if (cause !== this.state.cause) this.state = { ...this.state, ...(cause ? { cause } : {}) };
      return;
    }
    const was = this.state;
    this.state = { ok, ...(cause ? { cause } : {}), since: new Date().toISOString() };
    if (!ok) this.log.error({ cause }, `JetStream cannot store: ${cause}; not ready until it can`);
    else this.log.info({ after: was.cause, downMs: Date.now() - Date.parse(was.since) }, 'JetStream can store again: ready');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}

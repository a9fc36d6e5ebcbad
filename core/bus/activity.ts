import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Subjects } from '../contract/subjects';
import { openKv, type Replication } from './replicas';

export type Direction = 'inbound' | 'outbound';

/** When an instance last stored an inbound message and last delivered an outbound one (ISO times). */
export interface Activity {
  lastInbound?: string;
  lastOutbound?: string;
}

/** Opens (creating if needed) the `<prefix>_activity` bucket. */
export async function openActivityBucket(nc: NatsConnection, s: Subjects, replication?: Replication): Promise<KV> {
  return openKv(nc, s.activityBucket, { history: 1 }, replication);
}

const key = (channel: string, account: string, direction: Direction) => `${channel}.${account}.${direction}`;

/**
 * Records traffic times in the activity bucket, key `<channel>.<account>.inbound|outbound`, value the
 * ISO time. A busy instance writes each key at most once per `everyMs` (the latest time wins when the
 * write happens), so recording costs nothing per message. Inbound and outbound are separate keys so
 * replicas never overwrite each other's direction with an older time.
 */
export class ActivityRecorder {
  private readonly keys = new Map<string, { at: number; written: number; timer?: NodeJS.Timeout }>();

  constructor(
    private readonly kv: KV,
    private readonly log: Logger,
    private readonly everyMs = 5000,
  ) {}

  mark(channel: string, account: string, direction: Direction): void {
    const k = key(channel, account, direction);
    const now = Date.now();
    let state = this.keys.get(k);
    if (!state) this.keys.set(k, (state = { at: now, written: 0 }));
    state.at = now;
    if (state.timer) return;
    const wait = state.written + this.everyMs - now;
    if (wait <= 0) {
      void this.write(k);
      return;
    }
    state.timer = setTimeout(() => void this.write(k), wait);
    state.timer.unref?.();
  }

  /** Writes what is waiting at once (before the gateway stops). */
  async flush(): Promise<void> {
    await Promise.all([...this.keys].filter(([, s]) => s.timer).map(([k]) => this.write(k)));
  }

  private async write(k: string): Promise<void> {
    const state = this.keys.get(k)!;
    clearTimeout(state.timer);
    state.timer = undefined;
    state.written = Date.now();
    await this.kv
      .put(k, new Date(state.at).toISOString())
      .catch((err: Error) => this.log.debug({ err: err.message, key: k }, 'activity not recorded: NATS unavailable'));
  }
}

/** The recorded activity of one instance (empty when it never had any). */
export async function readActivity(kv: KV, channel: string, account: string): Promise<Activity> {
  const out: Activity = {};
  const [inbound, outbound] = await Promise.all([kv.get(key(channel, account, 'inbound')), kv.get(key(channel, account, 'outbound'))]);
  if (inbound?.operation === 'PUT') out.lastInbound = inbound.string();
  if (outbound?.operation === 'PUT') out.lastOutbound = outbound.string();
  return out;
}

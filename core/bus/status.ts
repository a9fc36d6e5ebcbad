import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { StatusEvent, StatusState } from '../contract/schemas';
import type { Subjects } from '../contract/subjects';

/** Publishes instance state changes on the status subject and keeps the latest in the status KV bucket. */
export class StatusReporter {
  private readonly latest = new Map<string, StatusEvent>();
  /** What each instance's channel can do (plugin API 1.2 capabilities), kept with its status in the KV. */
  private readonly capabilities = new Map<string, Record<string, unknown>>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV,
    private readonly subjects: Subjects,
    private readonly log: Logger,
  ) {}

  report(channel: string, account: string, state: StatusState, detail?: string): StatusEvent {
    const event: StatusEvent = {
      v: 1,
      kind: 'status',
      channel,
      account,
      state,
      ...(detail ? { detail } : {}),
      time: new Date().toISOString(),
    };
    this.latest.set(`${channel}/${account}`, event);
    this.write(event);
    return event;
  }

  /** Records what an instance's channel can do; its KV value carries it from the next report on. */
  describe(channel: string, account: string, capabilities: Record<string, unknown>): void {
    this.capabilities.set(`${channel}/${account}`, capabilities);
  }

  /** The last state reported for an instance. */
  get(channel: string, account: string): StatusEvent | undefined {
    return this.latest.get(`${channel}/${account}`);
  }

  /** Writes every latest state again: after a NATS reconnect, the KV must show what is true now. */
  refresh(): void {
    for (const e of this.latest.values()) this.write(e);
  }

  private write(event: StatusEvent): void {
    const data = JSON.stringify(event);
    try {
      this.nc.publish(this.subjects.status(event.channel, event.account), data);
    } catch (err) {
      this.log.debug({ err }, 'status not published: NATS unavailable');
    }
    const capabilities = this.capabilities.get(`${event.channel}/${event.account}`);
    const value = capabilities ? JSON.stringify({ ...event, capabilities }) : data;
    this.kv.put(`${event.channel}.${event.account}`, value).catch((err: Error) => {
      this.log.debug({ err: err.message }, 'status KV not written: NATS unavailable; written again on reconnect');
    });
  }
}

/** Every instance's latest status in the status bucket (what every gateway sharing the prefix reported). */
export async function readStatuses(kv: KV): Promise<StatusEvent[]> {
  const keys: string[] = [];
  for await (const k of await kv.keys()) keys.push(k);
  const out: StatusEvent[] = [];
  for (const k of keys) {
    const e = await kv.get(k);
    if (e?.operation === 'PUT') out.push(e.json<StatusEvent>());
  }
  return out;
}

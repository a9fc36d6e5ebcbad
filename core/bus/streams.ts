import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Subjects } from '../contract/subjects';
import { GatewayError } from '../errors';

export interface StreamSettings {
  dedupWindowMs: number;
  inboundMaxAgeMs: number;
  outboundMaxAgeMs: number;
}

/** The inbound stream: stores `<prefix>.ingest.>` once per envelope id and republishes it on `<prefix>.in.>`. */
export function inStreamConfig(s: Subjects, settings: StreamSettings): Partial<StreamConfig> & { name: string } {
  return {
    name: s.inStream,
    subjects: [`${s.prefix}.ingest.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(settings.dedupWindowMs),
    max_age: nanos(settings.inboundMaxAgeMs),
    republish: { src: `${s.prefix}.ingest.>`, dest: `${s.prefix}.in.>` },
  };
}

/** The outbound stream: a work queue of what agents publish on `<prefix>.out.>`. */
export function outStreamConfig(s: Subjects, settings: StreamSettings): Partial<StreamConfig> & { name: string } {
  return {
    name: s.outStream,
    subjects: [`${s.prefix}.out.>`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(settings.outboundMaxAgeMs),
  };
}

async function ensureStream(jsm: JetStreamManager, cfg: Partial<StreamConfig> & { name: string }, log: Logger): Promise<void> {
  try {
    const info = await jsm.streams.info(cfg.name);
    if (info.config.retention !== cfg.retention) {
      throw new GatewayError(
        'E_NATS',
        `stream ${cfg.name} exists with retention "${info.config.retention}", expected "${cfg.retention}"`,
        `delete it (nats stream rm ${cfg.name}) or choose another nats.prefix`,
      );
    }
    await jsm.streams.update(cfg.name, { ...info.config, ...cfg });
    log.debug({ stream: cfg.name }, 'stream updated');
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    if (err instanceof JetStreamApiError && err.code === 10059) {
      await jsm.streams.add(cfg);
      log.info({ stream: cfg.name, subjects: cfg.subjects }, 'stream created');
      return;
    }
    throw new GatewayError(
      'E_NATS',
      `cannot create or update stream ${cfg.name}: ${(err as Error).message}`,
      'the NATS server must run with JetStream enabled (nats-server -js) and the account needs JetStream access',
    );
  }
}

/** Creates or updates both streams; fails with a clear error when JetStream is unavailable. */
export async function ensureStreams(jsm: JetStreamManager, s: Subjects, settings: StreamSettings, log: Logger): Promise<void> {
  await ensureStream(jsm, inStreamConfig(s, settings), log);
  await ensureStream(jsm, outStreamConfig(s, settings), log);
}

/** The durable consumer name of one account's outbound queue. */
export function outConsumerName(channel: string, account: string): string {
  return `out_${channel}_${account}`;
}

/** Creates the account's durable pull consumer if missing (shared by every replica). */
export async function ensureOutConsumer(
  jsm: JetStreamManager,
  s: Subjects,
  channel: string,
  account: string,
  opts: { ackWaitMs: number; maxAckPending: number },
): Promise<string> {
  const name = outConsumerName(channel, account);
  const config = {
    durable_name: name,
    filter_subject: s.out(channel, account),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(opts.ackWaitMs),
    max_ack_pending: opts.maxAckPending,
    max_deliver: -1,
  };
  try {
    await jsm.consumers.info(s.outStream, name);
    await jsm.consumers.update(s.outStream, name, { ack_wait: config.ack_wait, max_ack_pending: config.max_ack_pending });
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === 10014)) throw err;
    await jsm.consumers.add(s.outStream, config);
  }
  return name;
}

/** How long an outbound lease outlives its holder: the longest pause before another replica sends. */
export const LEASE_TTL_MS = 10_000;

/** Opens (creating if needed) the status, outbox, lease and plugin-store KV buckets. */
export async function openBuckets(
  nc: NatsConnection,
  s: Subjects,
  outboxTtlMs: number,
): Promise<{ status: KV; outbox: KV; leases: KV; store: KV }> {
  const kvm = new Kvm(nc);
  const status = await kvm.create(s.statusBucket, { history: 1 });
  const outbox = await kvm.create(s.outboxBucket, { history: 1, ttl: outboxTtlMs });
  const leases = await kvm.create(s.leaseBucket, { history: 1, ttl: LEASE_TTL_MS });
  // Plugins keep what a retry needs (split-message progress): as long as the outbox remembers a delivery.
  const store = await kvm.create(s.storeBucket, { history: 1, ttl: outboxTtlMs });
  return { status, outbox, leases, store };
}

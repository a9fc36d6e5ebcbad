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
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Subjects } from '../contract/subjects';
import { GatewayError } from '../errors';
import { openKv, replicaError, type Replication } from './replicas';

export interface StreamSettings {
  dedupWindowMs: number;
  inboundMaxAgeMs: number;
  outboundMaxAgeMs: number;
  /** How many JetStream servers keep each stream (`nats.replicas`, default 1). */
  replicas?: number;
}

/** A stream as `ensureStream` creates or updates it. */
type StreamDefinition = Partial<StreamConfig> & { name: string };

/** What both streams share: on disk, the oldest dropped first, on `nats.replicas` servers. */
function fileStream(
  settings: StreamSettings,
  stream: { name: string; subject: string; retention: RetentionPolicy; maxAgeMs: number },
): StreamDefinition {
  return {
    name: stream.name,
    subjects: [stream.subject],
    retention: stream.retention,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(stream.maxAgeMs),
    num_replicas: settings.replicas ?? 1,
  };
}

/** The inbound stream: stores `<prefix>.ingest.>` once per envelope id and republishes it on `<prefix>.in.>`. */
export function inStreamConfig(s: Subjects, settings: StreamSettings): StreamDefinition {
  return {
    ...fileStream(settings, {
      name: s.inStream,
      subject: `${s.prefix}.ingest.>`,
      retention: RetentionPolicy.Limits,
      maxAgeMs: settings.inboundMaxAgeMs,
    }),
    duplicate_window: nanos(settings.dedupWindowMs),
    republish: { src: `${s.prefix}.ingest.>`, dest: `${s.prefix}.in.>` },
  };
}

/** The outbound stream: a work queue of what agents publish on `<prefix>.out.>`. */
export function outStreamConfig(s: Subjects, settings: StreamSettings): StreamDefinition {
  return fileStream(settings, {
    name: s.outStream,
    subject: `${s.prefix}.out.>`,
    retention: RetentionPolicy.Workqueue,
    maxAgeMs: settings.outboundMaxAgeMs,
  });
}

async function ensureStream(jsm: JetStreamManager, nc: NatsConnection, cfg: StreamDefinition, log: Logger): Promise<void> {
  const replicas = cfg.num_replicas ?? 1;
  try {
    const info = await jsm.streams.info(cfg.name);
    if (info.config.retention !== cfg.retention) {
      throw new GatewayError(
        'E_NATS',
        `stream ${cfg.name} exists with retention "${info.config.retention}", expected "${cfg.retention}"`,
        `delete it (nats stream rm ${cfg.name}) or choose another nats.prefix`,
      );
    }
    const had = info.config.num_replicas || 1;
    await jsm.streams.update(cfg.name, { ...info.config, ...cfg });
    if (had !== replicas)
      log.info({ stream: cfg.name, from: had, to: replicas }, `stream ${cfg.name}: replicas changed from ${had} to ${replicas}`);
    else log.debug({ stream: cfg.name }, 'stream updated');
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    if (err instanceof JetStreamApiError && err.code === 10059) {
      try {
        await jsm.streams.add(cfg);
      } catch (added) {
        throw replicaError(added, nc, `stream ${cfg.name}`, replicas) ?? added;
      }
      log.info({ stream: cfg.name, subjects: cfg.subjects, replicas }, 'stream created');
      return;
    }
    const refused = replicaError(err, nc, `stream ${cfg.name}`, replicas);
    if (refused) throw refused;
    throw new GatewayError(
      'E_NATS',
      `cannot create or update stream ${cfg.name}: ${(err as Error).message}`,
      'the NATS server must run with JetStream enabled (nats-server -js) and the account needs JetStream access',
    );
  }
}

/** Creates or updates both streams; fails with a clear error when JetStream is unavailable. */
export async function ensureStreams(
  jsm: JetStreamManager,
  nc: NatsConnection,
  s: Subjects,
  settings: StreamSettings,
  log: Logger,
): Promise<void> {
  await ensureStream(jsm, nc, inStreamConfig(s, settings), log);
  await ensureStream(jsm, nc, outStreamConfig(s, settings), log);
}

/** The durable consumer name of one account's outbound queue. */
export function outConsumerName(channel: string, account: string): string {
  return `out_${channel}_${account}`;
}

/** JetStream's "consumer already exists" (with another config): NATS 2.10 and later. */
const CONSUMER_EXISTS = 10148;

/** JetStream's "consumer not found". */
export const CONSUMER_NOT_FOUND = 10014;

/**
 * Creates the account's durable pull consumer if missing (shared by every replica). It is kept in the
 * server's memory, not in files: creating 10,000 file-stored consumers cost the NATS server 37–54 CPU-s,
 * memory-stored ones 16. Nothing is lost when a server restart forgets one: on a work queue an
 * acknowledged envelope is gone from the stream, so a consumer made anew (the worker does, see
 * `OutboundWorker`) offers again exactly those not yet acknowledged, and the outbox keeps any of them
 * that was sent from going out twice. On a cluster the consumer has its stream's replicas.
 */
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
    mem_storage: true,
  };
  // One request for the usual cases (a new consumer, or one as configured). A server before 2.10 updates
  // a durable with another config on create; a newer one refuses (10148): then only what may change is updated.
  try {
    await jsm.consumers.add(s.outStream, config);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === CONSUMER_EXISTS)) throw err;
    await jsm.consumers.update(s.outStream, name, { ack_wait: config.ack_wait, max_ack_pending: config.max_ack_pending });
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
  replication?: Replication,
): Promise<{ status: KV; outbox: KV; leases: KV; store: KV }> {
  const status = await openKv(nc, s.statusBucket, { history: 1 }, replication);
  const outbox = await openKv(nc, s.outboxBucket, { history: 1, ttl: outboxTtlMs }, replication);
  const leases = await openKv(nc, s.leaseBucket, { history: 1, ttl: LEASE_TTL_MS }, replication);
  // Plugins keep what a retry needs (split-message progress): as long as the outbox remembers a delivery.
  const store = await openKv(nc, s.storeBucket, { history: 1, ttl: outboxTtlMs }, replication);
  return { status, outbox, leases, store };
}

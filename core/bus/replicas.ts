import { JetStreamApiError, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV, type KvOptions } from '@nats-io/kv';
import { errors, RequestError, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { GatewayError } from '../errors';

/**
 * JetStream cannot place that many replicas: "no suitable peers for placement" (fewer servers than
 * replicas) and "insufficient resources" (fewer with room left in their store).
 */
const CANNOT_PLACE = [10005, 10023];
/** "JetStream system temporarily unavailable": no meta leader (no quorum), or a leader election. */
const TEMPORARILY_UNAVAILABLE = 10008;
/** The KV write of a lease found another revision: someone else wrote the key (or it expired). */
const WRONG_LAST_SEQUENCE = [10071, 10164];

/** How many servers the connected NATS has: the cluster's client URLs it announced, 1 without a cluster. */
export function clusterSize(nc: NatsConnection): { servers: number; cluster?: string } {
  const info = nc.info;
  if (!info?.cluster) return { servers: 1 };
  return { servers: Math.max(1, new Set(info.connect_urls ?? []).size), cluster: info.cluster };
}

/**
 * A JetStream error that means JetStream cannot take `replicas` copies of `what`: a `GatewayError`
 * naming both numbers, or undefined for any other error.
 */
export function replicaError(err: unknown, nc: NatsConnection, what: string, replicas: number): GatewayError | undefined {
  if (!(err instanceof JetStreamApiError) || !CANNOT_PLACE.includes(err.code)) return undefined;
  const { servers, cluster } = clusterSize(nc);
  const where = cluster
    ? `the NATS cluster "${cluster}" has ${servers} server${servers === 1 ? '' : 's'}`
    : 'the NATS server is not clustered (1 server)';
  return new GatewayError(
    'E_NATS',
    `nats.replicas is ${replicas} but ${where}: JetStream cannot keep ${replicas} replicas of ${what} (${err.message}, ${err.code})`,
    replicas > servers
      ? `lower nats.replicas to ${servers} or fewer, or add JetStream servers to the cluster`
      : 'each replica needs a JetStream-enabled server (-js) with room in its store (max_file_store): check every server of the cluster',
  );
}

/**
 * Why a NATS request failed, when NATS itself is the cause (no server, no stream leader, no quorum,
 * timeouts, JetStream unavailable): a short phrase for logs and readiness. Undefined for errors that
 * are answers (a wrong revision, a missing key...).
 */
export function natsTrouble(err: unknown): string | undefined {
  // nats.js's name for 'no responders' on a JetStream request (its class is not exported).
  if (err instanceof Error && err.name === 'JetStreamNotEnabled') return 'no JetStream server answered (stream leader lost, or no quorum)';
  if (err instanceof errors.TimeoutError) return 'JetStream did not answer in time (leader election or no quorum)';
  if (err instanceof RequestError && err.isNoResponders()) return 'no JetStream server answered (stream leader lost, or no quorum)';
  if (err instanceof errors.ConnectionError || err instanceof errors.ClosedConnectionError) return 'the NATS connection is down';
  if (err instanceof JetStreamApiError) {
    if (err.code === TEMPORARILY_UNAVAILABLE || err.status === 503) return `JetStream is unavailable: ${err.message}`;
    return undefined;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (/timeout|timed out|no responders|jetstream is not enabled|503|temporarily unavailable|disconnect|connection closed/i.test(message))
    return `NATS trouble: ${message}`;
  return undefined;
}

/** A KV write refused because the key has another revision than the one given. */
export function isWrongRevision(err: unknown): boolean {
  return err instanceof JetStreamApiError && WRONG_LAST_SEQUENCE.includes(err.code);
}

/**
 * Makes stream `name` keep `replicas` copies: JetStream changes a stream's replica count in place
 * (it copies the data to the new peers, or drops peers). Nothing to do when it already has them.
 */
export async function ensureReplicas(
  jsm: JetStreamManager,
  nc: NatsConnection,
  name: string,
  replicas: number,
  log: Logger,
): Promise<void> {
  const info = await jsm.streams.info(name);
  const had = info.config.num_replicas || 1;
  if (had === replicas) return;
  try {
    await jsm.streams.update(name, { ...info.config, num_replicas: replicas });
  } catch (err) {
    throw (
      replicaError(err, nc, name, replicas) ??
      new GatewayError('E_NATS', `cannot change the replicas of ${name} from ${had} to ${replicas}: ${(err as Error).message}`)
    );
  }
  log.info({ stream: name, from: had, to: replicas }, `stream ${name}: replicas changed from ${had} to ${replicas}`);
}

/** What the gateway passes to open a bucket with the configured replicas. */
export interface Replication {
  replicas: number;
  log: Logger;
}

/**
 * Opens the KV bucket `name`, creating it if needed; with `replication`, it keeps that many replicas
 * (an existing bucket is changed in place). Without, an existing bucket is used as it is (agents,
 * operator commands) and a new one gets 1 replica.
 */
export async function openKv(nc: NatsConnection, name: string, opts: Partial<KvOptions>, replication?: Replication): Promise<KV> {
  const replicas = replication?.replicas ?? 1;
  let kv: KV;
  try {
    kv = await new Kvm(nc).create(name, { ...opts, replicas });
  } catch (err) {
    throw replicaError(err, nc, `the KV bucket ${name}`, replicas) ?? err;
  }
  if (replication) await ensureReplicas(await jetstreamManager(nc), nc, `KV_${name}`, replicas, replication.log);
  return kv;
}

/**
 * Runs `fn` again while it fails for NATS reasons (a stream leader lost, no quorum), for up to `maxMs`:
 * a write that must not be lost (the outbox record that stops a second delivery) waits out a leader
 * election, which takes seconds. Other errors, and the last NATS one, are thrown.
 */
export async function retryNatsTrouble<T>(
  fn: () => Promise<T>,
  opts: { maxMs?: number; signal?: AbortSignal; onTrouble?: (cause: string) => void } = {},
): Promise<T> {
  const { maxMs = 30_000, signal, onTrouble } = opts;
  const began = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const cause = natsTrouble(err);
      if (!cause || signal?.aborted || Date.now() - began >= maxMs) throw err;
      if (attempt === 0) onTrouble?.(cause);
      await new Promise((r) => setTimeout(r, Math.min(1000, 100 * 2 ** attempt)));
    }
  }
}

import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { container as globalContainer } from 'tsyringe';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/load';
import { subjects as makeSubjects } from '../contract/subjects';
import { ActivityRecorder, openActivityBucket } from '../bus/activity';
import type { NatsHandle } from '../bus/connect';
import { ensureStreams, openBuckets } from '../bus/streams';
import { StatusReporter } from '../bus/status';
import { InboundPublisher } from '../delivery/inbound';
import { ReceiptPublisher } from '../delivery/receipts';
import { pullExpiresMs } from '../delivery/outbound';
import { UnroutedHandler } from '../delivery/unrouted';
import { MediaStore } from '../media/store';
import { Metrics } from '../http/metrics';
import { QueueSampler } from '../http/queue-sampler';
import { createTracer, scopeTracesFor } from '../trace/tracer';
import { PairingDirectory } from '../pairing/directory';
import { DEFAULT_PAIRING_LIMITS, type PairingLimits } from '../pairing/gate';
import { openPairingBucket } from '../pairing/records';
import type { InstanceDeps } from './instance';

/** What every instance shares; the delivery and lifecycle settings come from the config it starts with. */
export type Shared = Omit<InstanceDeps, 'outbound' | 'lifecycle' | 'http'> & { outbound: Omit<InstanceDeps['outbound'], 'delivery'> };

/** What a gateway is made of before it serves anything. */
export interface Prepared {
  shared: Shared;
  metrics: Metrics;
  unrouted: UnroutedHandler;
  status: StatusReporter;
  /** Accounts that outbound envelopes may address: the unrouted handler refuses the others. */
  routable: Set<string>;
}

/** Streams, buckets and the services every instance shares; nothing listens or consumes yet. */
export async function prepareShared(
  config: GatewayConfig,
  pairing: Partial<PairingLimits> | undefined,
  log: Logger,
  nats: NatsHandle,
): Promise<Prepared> {
  const s = makeSubjects(config.nats.prefix);
  const { nc } = nats;
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const replication = { replicas: config.nats.replicas, log };
  await ensureStreams(
    jsm,
    nc,
    s,
    {
      dedupWindowMs: config.nats.dedupWindow,
      inboundMaxAgeMs: config.nats.inboundMaxAge,
      outboundMaxAgeMs: config.nats.outboundMaxAge,
      replicas: config.nats.replicas,
    },
    log,
  );
  const buckets = await openBuckets(nc, s, config.delivery.remember, replication);
  const media = await MediaStore.open(
    nc,
    s.mediaBucket,
    { ttlMs: config.media.ttl, maxBytes: config.media.maxBytes, replicas: config.nats.replicas },
    log,
  );
  const metrics = new Metrics({ perAccount: config.metrics.perAccount, topAccounts: config.metrics.topAccounts });
  const queues = new QueueSampler(jsm, s.outStream, metrics, config.metrics.sampleInterval, log);
  const tracer = createTracer();
  scopeTracesFor(tracer, log);
  const status = new StatusReporter(nc, buckets.status, s, log);
  const receipts = new ReceiptPublisher(nc, s, metrics);
  const inbound = new InboundPublisher(js, s, metrics, tracer);
  const activity = new ActivityRecorder(await openActivityBucket(nc, s, replication), log);
  const pairingBucket = await openPairingBucket(nc, s, replication);
  const routable = new Set<string>();
  const unrouted = new UnroutedHandler(nc, jsm, s, receipts, () => routable, log);
  // Last: the directory runs a timer that only `stop()` ends.
  const directory = await PairingDirectory.open(pairingBucket, log);
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const shared: Shared = {
    container: globalContainer.createChildContainer(),
    inbound,
    status,
    metrics,
    activity,
    store: buckets.store,
    mediaFetchTimeout: config.media.fetchTimeout,
    outbound: {
      js,
      jsm,
      subjects: s,
      receipts,
      metrics,
      outbox: buckets.outbox,
      leases: buckets.leases,
      owner,
      pullExpiresMs: pullExpiresMs(config.nats.replicas),
      media,
      queues,
      tracer,
    },
    pairing: { directory, limits: { ...DEFAULT_PAIRING_LIMITS, ...pairing } },
  };
  return { shared, metrics, unrouted, status, routable };
}

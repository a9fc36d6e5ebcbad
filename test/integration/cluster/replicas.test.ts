import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { subjects } from '../../../core/contract/subjects';
import { LOOPBACK_PATH, eventually, loopbackConfig, startGateway } from '../../support';
import { NatsCluster } from '../../support/nats-cluster';
import { uniquePrefix } from '../../support/nats-server';

let cluster: NatsCluster;
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  cluster = await NatsCluster.start(3);
  nc = await cluster.client('n1');
  jsm = await jetstreamManager(nc);
}, 60_000);
afterAll(async () => {
  await nc?.close();
  await cluster?.close();
});

/** A gateway config on the cluster with `nats.replicas` (absent: the default) and the accounts bucket in use. */
function config(prefix: string, replicas?: number): string {
  const yaml = loopbackConfig(cluster.urls, prefix, `  - use: ${LOOPBACK_PATH}\n    account: r\n`, 'accounts:\n  fromNats: true\n');
  return replicas === undefined ? yaml : yaml.replace('  autoStart: false\n', `  autoStart: false\n  replicas: ${replicas}\n`);
}

/** Every stream the gateway keeps for `prefix`: both streams, each KV bucket's and the media bucket's. */
function streamsOf(prefix: string): string[] {
  const s = subjects(prefix);
  const buckets = [s.statusBucket, s.outboxBucket, s.leaseBucket, s.storeBucket, s.activityBucket, s.pairingBucket, s.accountsBucket];
  return [s.inStream, s.outStream, ...buckets.map((b) => `KV_${b}`), `OBJ_${s.mediaBucket}`];
}

/** Replica count of each stream: the configured one and the peers JetStream placed it on. */
async function replicasOf(names: string[]): Promise<Record<string, { configured: number; peers: number }>> {
  const out: Record<string, { configured: number; peers: number }> = {};
  for (const name of names) {
    const info = await jsm.streams.info(name);
    const peers = new Set([info.cluster?.leader, ...(info.cluster?.replicas ?? []).map((r) => r.name)].filter(Boolean));
    out[name] = { configured: info.config.num_replicas, peers: peers.size };
  }
  return out;
}

const every = (names: string[], n: number) => Object.fromEntries(names.map((name) => [name, { configured: n, peers: n }]));

test('cluster - replicas: 3 keeps both streams, every KV bucket and the media bucket on 3 nodes; raising it from 1 changes them in place', async () => {
  const prefix = uniquePrefix();
  const names = streamsOf(prefix);
  const first = await startGateway(config(prefix));
  await first.gateway.stop();
  expect(await replicasOf(names)).toEqual(every(names, 1));

  const second = await startGateway(config(prefix, 3));
  try {
    expect(await replicasOf(names)).toEqual(every(names, 3));
    for (const name of names) expect(second.logs.raw.join('\n')).toContain(`stream ${name}: replicas changed from 1 to 3`);
    // The account's outbound consumer follows its stream (a consumer's replicas default to the stream's).
    const consumer = await jsm.consumers.info(subjects(prefix).outStream, 'out_loopback_r');
    const peers = new Set([consumer.cluster?.leader, ...(consumer.cluster?.replicas ?? []).map((r) => r.name)].filter(Boolean));
    expect(peers.size).toBe(3);
    // Right after the change the streams elect their leaders: ready once they have.
    await eventually(() => second.gateway.readiness().ready, 'ready on 3 replicas', 20_000);
    expect(second.gateway.readiness().detail).toMatchObject({ storage: 'ok' });
  } finally {
    await second.gateway.stop();
  }
  // Lowering it works in place too.
  const third = await startGateway(config(prefix, 1));
  await third.gateway.stop();
  expect(await replicasOf(names)).toEqual(every(names, 1));
}, 90_000);

test('cluster - replicas: 5 on a 3-node cluster: start-up stops with an error naming both numbers', async () => {
  const prefix = uniquePrefix();
  await expect(startGateway(config(prefix, 5))).rejects.toThrow(
    /nats\.replicas is 5 but the NATS cluster "cg\w+" has 3 servers: JetStream cannot keep 5 replicas of stream T\w+_IN \(no suitable peers for placement, 10005\)/,
  );
  const err = await startGateway(config(prefix, 5)).catch((e: { hint?: string }) => e);
  expect((err as { hint?: string }).hint).toBe('lower nats.replicas to 3 or fewer, or add JetStream servers to the cluster');
}, 60_000);

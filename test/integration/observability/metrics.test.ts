import type { NatsConnection } from '@nats-io/transport-node';
import type { Receipt } from '../../../core/contract/schemas';
import { DeliveryError } from '../../../core/errors';
import { Collector, LOOPBACK_PATH, client, eventually, loopback, loopbackConfig, startGateway, type Started } from '../../support';
import { startNats, uniquePrefix, type TestNats } from '../../support/nats-server';
import { scrape, valueOf, type Family } from './exposition';

let nats: TestNats;
let nc: NatsConnection;
let run: Started | undefined;
let receipts: Collector<Receipt> | undefined;

beforeAll(async () => {
  // Its own server: one test restarts it.
  nats = await startNats({ own: true });
  nc = await client(nats.url);
});
afterEach(async () => {
  receipts?.close();
  await run?.gateway.stop();
  run = undefined;
});
afterAll(async () => {
  await nc.close();
  await nats.close();
});

const dm = (id: string) => ({
  messageId: id,
  time: new Date(Date.now() - 1500).toISOString(),
  conversation: { id: 'c1', type: 'direct' as const },
  sender: { id: 'u1' },
  parts: [{ type: 'text' as const, text: 'hi' }],
});

async function boot(metrics = '', entries = `  - use: ${LOOPBACK_PATH}\n`) {
  const prefix = uniquePrefix();
  run = await startGateway(loopbackConfig(nats.url, prefix, entries, `metrics:\n  sampleInterval: 100ms\n${metrics}`));
  receipts = new Collector<Receipt>(nc, `${prefix}.receipt.>`);
  await nc.flush();
  return prefix;
}

/** A message in, a reply out that fails once with a retryable error, its receipt. */
async function roundTrip(prefix: string, account = 'default') {
  const lb = loopback.get(account);
  expect((await lb.receive(dm(`m-${account}`))).outcome).toBe('stored');
  lb.failNext(new DeliveryError('E_RATE_LIMITED', 'slow down', { retryable: true, retryAfterMs: 10 }));
  nc.publish(`${prefix}.out.loopback.${account}`, JSON.stringify({ id: `r-${account}`, conversation: { id: 'c1' }, text: 'ok' }));
  await receipts!.waitFor(receipts!.items.length + 1);
}

const labelsOf = (f: Family | undefined) => new Set(f?.samples.flatMap((s) => Object.keys(s.labels)));

test('metrics - /metrics serves the process and runtime series and the new ones, per channel by default', async () => {
  const prefix = await boot();
  await roundTrip(prefix);
  const m = await scrape(run!.gateway.http.url);

  // prom-client's default series: CPU, memory, heap, event-loop lag, GC, handles, file descriptors.
  for (const name of [
    'process_cpu_user_seconds_total',
    'process_resident_memory_bytes',
    'process_open_fds',
    'nodejs_heap_size_used_bytes',
    'nodejs_heap_space_size_used_bytes',
    'nodejs_eventloop_lag_seconds',
    'nodejs_eventloop_lag_p99_seconds',
    'nodejs_gc_duration_seconds',
    'nodejs_active_handles_total',
    'nodejs_version_info',
  ])
    expect(m.get(name)).toBeDefined();
  expect(m.get('nodejs_gc_duration_seconds')!.type).toBe('histogram');
  expect(valueOf(m, 'process_resident_memory_bytes')).toBeGreaterThan(0);

  const ch = { channel: 'loopback' };
  expect(valueOf(m, 'chat_gateway_inbound_total', { ...ch, outcome: 'stored' })).toBe(1);
  expect(valueOf(m, 'chat_gateway_outbound_total', ch)).toBe(1);
  expect(valueOf(m, 'chat_gateway_delivery_retries_total', { ...ch, code: 'E_RATE_LIMITED' })).toBe(1);
  expect(valueOf(m, 'chat_gateway_receipts_total', { ...ch, code: '', result: 'ok' })).toBe(1);
  expect(valueOf(m, 'chat_gateway_delivery_seconds_count', ch)).toBe(1);
  // The platform said the message was sent 1.5 s before it reached the gateway.
  expect(valueOf(m, 'chat_gateway_inbound_latency_seconds_count', ch)).toBe(1);
  expect(valueOf(m, 'chat_gateway_inbound_latency_seconds_bucket', { ...ch, le: '1' })).toBe(0);
  expect(valueOf(m, 'chat_gateway_inbound_latency_seconds_bucket', { ...ch, le: '2.5' })).toBe(1);
  expect(valueOf(m, 'chat_gateway_outbound_latency_seconds_count', ch)).toBe(1);
  expect(valueOf(m, 'chat_gateway_nats_connected')).toBe(1);
  expect(valueOf(m, 'chat_gateway_nats_reconnects_total')).toBe(0);
  expect(valueOf(m, 'chat_gateway_instances', { ...ch, state: 'started' })).toBe(1);
  expect(m.get('chat_gateway_build_info')!.samples[0]!.labels.version).toMatch(/^\d+\.\d+\.\d+/);
  // The streaming hook is declared, with nothing counted until streaming counts frames.
  expect(m.get('chat_gateway_outbound_frames_total')).toMatchObject({ type: 'counter', samples: [] });
  for (const name of ['chat_gateway_outbound_queue_depth', 'chat_gateway_outbound_queue_oldest_seconds', 'chat_gateway_top_accounts'])
    expect(m.get(name)?.type).toBe('gauge');

  // Bounded: no series of the gateway names an account, except the top few.
  for (const [name, f] of m)
    if (name.startsWith('chat_gateway_') && name !== 'chat_gateway_top_accounts') expect(labelsOf(f).has('account')).toBe(false);
  expect(m.get('chat_gateway_instance_up')).toBeUndefined();
});

test('metrics - with metrics.perAccount every series names its account', async () => {
  const prefix = await boot(
    '  perAccount: true\n',
    `  - use: ${LOOPBACK_PATH}\n    account: a\n  - use: ${LOOPBACK_PATH}\n    account: b\n`,
  );
  await roundTrip(prefix, 'a');
  const m = await scrape(run!.gateway.http.url);
  expect(valueOf(m, 'chat_gateway_inbound_total', { account: 'a', channel: 'loopback', outcome: 'stored' })).toBe(1);
  expect(valueOf(m, 'chat_gateway_inbound_total', { account: 'b', channel: 'loopback', outcome: 'stored' })).toBeUndefined();
  expect(valueOf(m, 'chat_gateway_outbound_latency_seconds_count', { account: 'a', channel: 'loopback' })).toBe(1);
  expect(valueOf(m, 'chat_gateway_instance_up', { account: 'a', channel: 'loopback' })).toBe(1);
  expect(valueOf(m, 'chat_gateway_instance_up', { account: 'b', channel: 'loopback' })).toBe(1);
  expect(valueOf(m, 'chat_gateway_instances', { channel: 'loopback', state: 'started' })).toBe(2);
});

test('metrics - the outbound queue depth and oldest age are sampled from the consumer; the top accounts name the one behind', async () => {
  const prefix = await boot('', `  - use: ${LOOPBACK_PATH}\n    account: busy\n  - use: ${LOOPBACK_PATH}\n    account: idle\n`);
  const lb = loopback.get('busy');
  // The recipient is away: each envelope goes back to the queue for a minute.
  lb.failNext(DeliveryError.deferred('recipient away', { retryAfterMs: 60_000 }), 3);
  for (const n of [1, 2, 3])
    nc.publish(`${prefix}.out.loopback.busy`, JSON.stringify({ id: `q${n}`, conversation: { id: `c${n}` }, text: 'x' }));
  const url = run!.gateway.http.url;
  await eventually(
    async () => valueOf(await scrape(url), 'chat_gateway_outbound_queue_depth', { channel: 'loopback' }) === 3,
    'depth 3 sampled',
  );
  await eventually(
    async () => (valueOf(await scrape(url), 'chat_gateway_outbound_queue_oldest_seconds', { channel: 'loopback' }) ?? 0) > 0,
    'an age sampled',
  );
  const m = await scrape(url);
  expect(valueOf(m, 'chat_gateway_top_accounts', { account: 'busy', channel: 'loopback', measure: 'outbound_queue_depth' })).toBe(3);
  expect(
    valueOf(m, 'chat_gateway_top_accounts', { account: 'busy', channel: 'loopback', measure: 'outbound_queue_oldest_seconds' }),
  ).toBeGreaterThan(0);
  // An account with an empty queue is not among the leaders.
  expect(m.get('chat_gateway_top_accounts')!.samples.filter((s) => s.labels.account === 'idle')).toEqual([]);
  expect(lb.sent).toEqual([]);
});

test('metrics - NATS connection state and reconnects', async () => {
  await boot();
  const url = run!.gateway.http.url;
  expect(valueOf(await scrape(url), 'chat_gateway_nats_connected')).toBe(1);
  await nats.stop();
  await eventually(async () => valueOf(await scrape(url), 'chat_gateway_nats_connected') === 0, 'disconnected');
  expect(valueOf(await scrape(url), 'chat_gateway_nats_disconnects_total')).toBe(1);
  await nats.restart();
  await eventually(async () => valueOf(await scrape(url), 'chat_gateway_nats_connected') === 1, 'reconnected', 20_000);
  expect(valueOf(await scrape(url), 'chat_gateway_nats_reconnects_total')).toBe(1);
});

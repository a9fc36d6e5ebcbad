import { startNats, uniquePrefix, type TestNats } from '../support/nats-server';
import { Collector, LOOPBACK_PATH, client, eventually, loopback, loopbackConfig, startGateway, type Started } from '../support';
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { DeliveryError } from '../../core/errors';
import type { InboundEnvelope, Receipt } from '../../core/contract/schemas';

let nats: TestNats;
let nc: NatsConnection;
let run: Started | undefined;

beforeAll(async () => {
  nats = await startNats();
  nc = await client(nats.url);
});
afterEach(async () => {
  await run?.gateway.stop();
  run = undefined;
});
afterAll(async () => {
  await nc.close();
  await nats.close();
});

const dm = (id: string, sender = 'u1', text = 'hello') => ({
  messageId: id,
  conversation: { id: `dm_${sender}`, type: 'direct' as const },
  sender: { id: sender, name: 'Tom' },
  parts: [{ type: 'text' as const, text }],
});

async function boot(entries: string, prefix = uniquePrefix(), extra = '') {
  run = await startGateway(loopbackConfig(nats.url, prefix, entries, extra));
  return prefix;
}

test('runtime - inbound message becomes an envelope on <prefix>.in.<channel>.<account>', async () => {
  const prefix = await boot(`  - use: ${LOOPBACK_PATH}\n    account: main\n`);
  const inbox = new Collector<InboundEnvelope>(nc, `${prefix}.in.>`);
  await nc.flush();
  const result = await loopback.get('main').receive(dm('m1'));
  expect(result).toEqual({ outcome: 'stored', id: 'loopback:main:m1' });
  const [env] = await inbox.waitFor(1);
  expect(env).toMatchObject({
    v: 1,
    kind: 'message',
    id: 'loopback:main:m1',
    channel: 'loopback',
    account: 'main',
    conversation: { id: 'dm_u1', type: 'direct' },
    sender: { id: 'u1', name: 'Tom', kind: 'user' },
    message: { id: 'm1', text: 'hello', mentioned: false },
    session: 'loopback:main:dm_u1',
  });
  inbox.close();
});

test('runtime - a repeated platform message id is seen once by a core subscriber of <prefix>.in.>', async () => {
  const prefix = await boot(`  - use: ${LOOPBACK_PATH}\n`);
  const inbox = new Collector<InboundEnvelope>(nc, `${prefix}.in.>`);
  await nc.flush();
  const lb = loopback.get();
  expect((await lb.receive(dm('dup1'))).outcome).toBe('stored');
  expect((await lb.receive(dm('dup1'))).outcome).toBe('duplicate');
  expect((await lb.receive(dm('dup2'))).outcome).toBe('stored');
  await inbox.waitFor(2);
  await new Promise((r) => setTimeout(r, 300));
  expect(inbox.items.map((e) => e.message.id)).toEqual(['dup1', 'dup2']);
  inbox.close();
});

test('runtime - outbound envelope is delivered to the right account and gets an ok receipt', async () => {
  const prefix = await boot(`  - use: ${LOOPBACK_PATH}\n    account: a\n  - use: ${LOOPBACK_PATH}\n    account: b\n`);
  const receipts = new Collector<Receipt>(nc, `${prefix}.receipt.>`);
  await nc.flush();
  nc.publish(`${prefix}.out.loopback.b`, JSON.stringify({ id: 'r1', conversation: { id: 'c1' }, text: 'hi b' }));
  const [r] = await receipts.waitFor(1);
  expect(r).toMatchObject({
    v: 1,
    kind: 'receipt',
    id: 'r1',
    channel: 'loopback',
    account: 'b',
    ok: true,
    messageIds: ['lb_1'],
    attempts: 1,
  });
  expect(loopback.get('b').sent.map((s) => s.envelope.text)).toEqual(['hi b']);
  expect(loopback.get('a').sent).toHaveLength(0);
  receipts.close();
});

test('runtime - malformed outbound payloads get E_SCHEMA receipts naming the problem and do not block the queue', async () => {
  const prefix = await boot(`  - use: ${LOOPBACK_PATH}\n`);
  const receipts = new Collector<Receipt>(nc, `${prefix}.receipt.loopback.default`);
  await nc.flush();
  const subject = `${prefix}.out.loopback.default`;
  nc.publish(subject, 'not json {');
  nc.publish(subject, JSON.stringify({ id: 'bad1', conversation: { id: 'c' }, text: 42 }));
  nc.publish(subject, JSON.stringify({ id: 'bad2', text: 'no target' }));
  nc.publish(subject, JSON.stringify({ id: 'bad3', conversation: { id: 'c' }, txt: 'typo' }));
  nc.publish(subject, JSON.stringify({ id: 'good', conversation: { id: 'c' }, text: 'fine' }));
  const items = await receipts.waitFor(5);
  const byId = (id: string | undefined) => items.find((r) => r.id === id)!;
  expect(byId(undefined)).toMatchObject({ ok: false, error: { code: 'E_SCHEMA', retryable: false } });
  expect(byId(undefined).error!.message).toMatch(/not JSON/);
  expect(byId('bad1').error).toMatchObject({ code: 'E_SCHEMA' });
  expect(byId('bad1').error!.message).toContain('"text" must be string');
  expect(byId('bad2').error!.message).toContain('conversation.id');
  expect(byId('bad3').error!.message).toMatch(/unknown field "txt" \(did you mean "text"\?\)/);
  expect(byId('good')).toMatchObject({ ok: true });
  receipts.close();
});

test('runtime - outbound to an unknown account gets E_UNKNOWN_ACCOUNT', async () => {
  const prefix = await boot(`  - use: ${LOOPBACK_PATH}\n`);
  const receipts = new Collector<Receipt>(nc, `${prefix}.receipt.>`);
  await nc.flush();
  nc.publish(`${prefix}.out.loopback.nobody`, JSON.stringify({ id: 'x1', conversation: { id: 'c' }, text: 'hi' }));
  const [r] = await receipts.waitFor(1);
  expect(r).toMatchObject({ id: 'x1', account: 'nobody', ok: false, error: { code: 'E_UNKNOWN_ACCOUNT', retryable: false } });
  receipts.close();
});

test('runtime - retryable failures are retried; permanent ones end in one failed receipt', async () => {
  const prefix = await boot(`  - use: ${LOOPBACK_PATH}\n`);
  const receipts = new Collector<Receipt>(nc, `${prefix}.receipt.>`);
  await nc.flush();
  const lb = loopback.get();
  lb.failNext(DeliveryError.retryable('rate limited', { rateLimited: true, platformCode: 99991400, retryAfterMs: 50 }), 2);
  nc.publish(`${prefix}.out.loopback.default`, JSON.stringify({ id: 'retry1', conversation: { id: 'c' }, text: 'eventually' }));
  const [ok] = await receipts.waitFor(1);
  expect(ok).toMatchObject({ id: 'retry1', ok: true, attempts: 3 });
  lb.failNext(DeliveryError.permanent('bot is not in the chat', { platformCode: 230002 }));
  nc.publish(`${prefix}.out.loopback.default`, JSON.stringify({ id: 'perm1', conversation: { id: 'c' }, text: 'never' }));
  const items = await receipts.waitFor(2);
  expect(items[1]).toMatchObject({
    id: 'perm1',
    ok: false,
    attempts: 1,
    error: { code: 'E_PLATFORM', platformCode: 230002, retryable: false, message: 'bot is not in the chat' },
  });
  await new Promise((r) => setTimeout(r, 200));
  expect(receipts.items).toHaveLength(2);
  receipts.close();
});

test('runtime - outbound envelopes of one conversation keep their order while conversations run in parallel', async () => {
  const prefix = await boot(`  - use: ${LOOPBACK_PATH}\n    sendDelayMs: 5\n`);
  const receipts = new Collector<Receipt>(nc, `${prefix}.receipt.>`);
  await nc.flush();
  const lb = loopback.get();
  lb.failNext(DeliveryError.retryable('slow down', { retryAfterMs: 100 }), 1);
  for (let i = 0; i < 20; i++) {
    nc.publish(`${prefix}.out.loopback.default`, JSON.stringify({ id: `o${i}`, conversation: { id: `c${i % 3}` }, text: `${i % 3}:${i}` }));
  }
  await receipts.waitFor(20);
  for (const c of ['0', '1', '2']) {
    const seq = lb.sent.filter((s) => s.envelope.text!.startsWith(`${c}:`)).map((s) => Number(s.envelope.text!.split(':')[1]));
    expect(seq).toEqual([...seq].sort((a, b) => a - b));
  }
  expect(receipts.items.every((r) => r.ok)).toBe(true);
  receipts.close();
});

test('runtime - the same outbound id is delivered once; a repeat gets the same receipt again', async () => {
  const prefix = await boot(`  - use: ${LOOPBACK_PATH}\n`);
  const receipts = new Collector<Receipt>(nc, `${prefix}.receipt.>`);
  await nc.flush();
  const body = JSON.stringify({ id: 'once', conversation: { id: 'c' }, text: 'only once' });
  nc.publish(`${prefix}.out.loopback.default`, body);
  await receipts.waitFor(1);
  nc.publish(`${prefix}.out.loopback.default`, body);
  const items = await receipts.waitFor(2);
  expect(loopback.get().sent).toHaveLength(1);
  expect(items[1]).toMatchObject({ id: 'once', ok: true, messageIds: items[0]!.messageIds });
  receipts.close();
});

test('runtime - a sender not in allowFrom is dropped and its id logged with the hint', async () => {
  await boot(`  - use: ${LOOPBACK_PATH}\n    allowFrom: ["ou_boss"]\n`);
  const lb = loopback.get();
  expect((await lb.receive(dm('a1', 'ou_boss'))).outcome).toBe('stored');
  expect((await lb.receive(dm('a2', 'ou_stranger'))).outcome).toBe('denied');
  const line = run!.logs.find((l) => l.senderId === 'ou_stranger');
  expect(line).toMatchObject({ level: 30, channel: 'loopback', account: 'default' });
  expect(String(line!.msg)).toContain('add "ou_stranger" to allowFrom');
});

test('runtime - groupPolicy gates group messages: mention, open, off', async () => {
  const group = (id: string, mentioned: boolean) => ({
    messageId: id,
    conversation: { id: 'g1', type: 'group' as const },
    sender: { id: 'u1' },
    parts: mentioned
      ? [
          { type: 'mention' as const, id: 'bot', name: 'Bot', self: true },
          { type: 'text' as const, text: ' hi' },
        ]
      : [{ type: 'text' as const, text: 'hi all' }],
  });
  await boot(
    `  - use: ${LOOPBACK_PATH}\n    account: m\n  - use: ${LOOPBACK_PATH}\n    account: o\n    groupPolicy: open\n  - use: ${LOOPBACK_PATH}\n    account: f\n    groupPolicy: "off"\n`,
  );
  expect((await loopback.get('m').receive(group('g1', false))).outcome).toBe('denied');
  expect((await loopback.get('m').receive(group('g2', true))).outcome).toBe('stored');
  expect((await loopback.get('o').receive(group('g3', false))).outcome).toBe('stored');
  expect((await loopback.get('f').receive(group('g4', true))).outcome).toBe('denied');
  expect((await loopback.get('f').receive(dm('d1'))).outcome).toBe('stored');
});

test('runtime - a failing instance is reported and retried while a healthy one serves', async () => {
  const prefix = uniquePrefix();
  const statuses = new Collector<{ account: string; state: string; detail?: string }>(nc, `${prefix}.status.>`);
  await nc.flush();
  await boot(
    `  - use: ${LOOPBACK_PATH}\n    account: ok\n  - use: ${LOOPBACK_PATH}\n    account: broken\n    failStart: "bad credentials for broken"\n`,
    prefix,
  );
  expect(loopback.has('ok')).toBe(true);
  expect(loopback.has('broken')).toBe(false);
  const ready = await fetch(`${run!.gateway.http.url}/readyz`);
  expect(ready.status).toBe(503);
  const body = (await ready.json()) as { instances: Record<string, { state: string; error?: string }> };
  expect(body.instances['loopback/broken']).toMatchObject({ state: 'failed', error: 'bad credentials for broken' });
  expect(body.instances['loopback/ok']).toMatchObject({ state: 'started' });
  await eventually(
    () => statuses.items.filter((s) => s.account === 'broken' && s.state === 'failed').length >= 2,
    'a second start attempt',
  );
  expect(statuses.items.find((s) => s.account === 'broken' && s.state === 'failed')!.detail).toBe('bad credentials for broken');
  expect((await loopback.get('ok').receive(dm('h1'))).outcome).toBe('stored');
  statuses.close();
});

test('runtime - health, metrics and the status KV reflect the instances', async () => {
  const prefix = await boot(`  - use: ${LOOPBACK_PATH}\n`, undefined, 'metrics:\n  perAccount: true\n');
  const base = run!.gateway.http.url;
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  await loopback.get().receive(dm('met1'));
  const metrics = await (await fetch(`${base}/metrics`)).text();
  expect(metrics).toContain('chat_gateway_inbound_total{account="default",channel="loopback",outcome="stored"} 1');
  expect(metrics).toContain('chat_gateway_instance_up{account="default",channel="loopback"} 1');
  const kv = await new Kvm(nc).open(`${prefix}_status`);
  const entry = await kv.get('loopback.default');
  expect(entry?.json()).toMatchObject({ kind: 'status', channel: 'loopback', account: 'default', state: 'connected' });
});

test('runtime - graceful stop finishes in-flight deliveries and loses no acknowledged inbound message', async () => {
  const prefix = await boot(`  - use: ${LOOPBACK_PATH}\n    sendDelayMs: 300\n`);
  const receipts = new Collector<Receipt>(nc, `${prefix}.receipt.>`);
  const inbox = new Collector<InboundEnvelope>(nc, `${prefix}.in.>`);
  await nc.flush();
  nc.publish(`${prefix}.out.loopback.default`, JSON.stringify({ id: 'inflight', conversation: { id: 'c' }, text: 'x' }));
  await eventually(
    async () => (await run!.gateway.metrics.outbound.value({ channel: 'loopback', account: 'default' })) >= 1,
    'outbound consumed',
  );
  const lb = loopback.get();
  const published = lb.receive(dm('last'));
  await run!.gateway.stop();
  run = undefined;
  expect((await published).outcome).toBe('stored');
  await receipts.waitFor(1);
  expect(receipts.items[0]).toMatchObject({ id: 'inflight', ok: true });
  await inbox.waitFor(1);
  receipts.close();
  inbox.close();
});

test('runtime - secrets never appear in the logs', async () => {
  const secret = 'sup3r-s3cret-value';
  run = await startGateway(
    loopbackConfig(
      nats.url,
      uniquePrefix(),
      `  - use: ${LOOPBACK_PATH}\n    token: \${LB_TOKEN}\n    failStart: "login refused for token ${secret}"\n`,
    ),
    { LB_TOKEN: secret },
  );
  await eventually(() => run!.logs.raw.some((l) => l.includes('login refused')), 'start failure logged');
  expect(run.logs.raw.join('\n')).not.toContain(secret);
  expect(run.logs.raw.join('\n')).toContain('[redacted]');
});

test('runtime - a deferred delivery (recipient offline) is kept and delivered later without spending attempts', async () => {
  const prefix = await boot(`  - use: ${LOOPBACK_PATH}\n`);
  const receipts = new Collector<Receipt>(nc, `${prefix}.receipt.>`);
  await nc.flush();
  const lb = loopback.get();
  lb.failNext(DeliveryError.deferred('visitor offline', { retryAfterMs: 100 }), 10);
  nc.publish(`${prefix}.out.loopback.default`, JSON.stringify({ id: 'held', conversation: { id: 'visitor' }, text: 'when you are back' }));
  const [r] = await receipts.waitFor(1, 15_000);
  expect(r).toMatchObject({ id: 'held', ok: true });
  expect(lb.sent.map((s) => s.envelope.text)).toEqual(['when you are back']);
  receipts.close();
});

test('runtime - a deferred delivery fails with one receipt once delivery.holdFor has passed', async () => {
  const prefix = uniquePrefix();
  run = await startGateway(
    loopbackConfig(nats.url, prefix, `  - use: ${LOOPBACK_PATH}\n`).replace(
      '  maxBackoff: 200ms\n',
      '  maxBackoff: 200ms\n  holdFor: 300ms\n',
    ),
  );
  const receipts = new Collector<Receipt>(nc, `${prefix}.receipt.>`);
  await nc.flush();
  loopback.get().failNext(DeliveryError.deferred('visitor offline', { retryAfterMs: 100 }), 1000);
  nc.publish(`${prefix}.out.loopback.default`, JSON.stringify({ id: 'expired', conversation: { id: 'visitor' }, text: 'too late' }));
  const [r] = await receipts.waitFor(1, 15_000);
  expect(r).toMatchObject({ id: 'expired', ok: false, error: { code: 'E_PLATFORM', retryable: true } });
  expect(r!.error!.message).toContain('visitor offline');
  await new Promise((res) => setTimeout(res, 300));
  expect(receipts.items).toHaveLength(1);
  receipts.close();
});

test('runtime - an envelope over delivery.maxBytes gets E_TOO_LARGE naming its id', async () => {
  const prefix = uniquePrefix();
  run = await startGateway(
    loopbackConfig(nats.url, prefix, `  - use: ${LOOPBACK_PATH}\n`).replace(
      '  maxBackoff: 200ms\n',
      '  maxBackoff: 200ms\n  maxBytes: 2048\n',
    ),
  );
  const receipts = new Collector<Receipt>(nc, `${prefix}.receipt.>`);
  await nc.flush();
  nc.publish(`${prefix}.out.loopback.default`, JSON.stringify({ id: 'big', conversation: { id: 'c' }, text: 'x'.repeat(5000) }));
  const [r] = await receipts.waitFor(1);
  expect(r).toMatchObject({ id: 'big', ok: false, error: { code: 'E_TOO_LARGE', retryable: false } });
  expect(r!.error!.message).toMatch(/envelope is \d+ bytes; the limit is 2048 \(delivery.maxBytes\)/);
  expect(loopback.get().sent).toHaveLength(0);
  receipts.close();
});

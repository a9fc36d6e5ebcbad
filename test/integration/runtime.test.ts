import { Kvm } from '@nats-io/kv';
import { DeliveryError } from '../../core/errors';
import { LOOPBACK_PATH, eventually, loopback, loopbackConfig, withDelivery } from '../support';
import { useGatewayTest } from '../support/fixture';
import { uniquePrefix } from '../support/nats-server';

const t = useGatewayTest();

const dm = (id: string, sender = 'u1', text = 'hello') => ({
  messageId: id,
  conversation: { id: `dm_${sender}`, type: 'direct' as const },
  sender: { id: sender, name: 'Tom' },
  parts: [{ type: 'text' as const, text }],
});

/** A gateway with these loopback entries (and top-level `extra` sections); `tweak` edits the config text. */
const boot = (entries: string, tweak = (yaml: string) => yaml, extra = '') =>
  t.boot(tweak(loopbackConfig(t.nats.url, uniquePrefix(), entries, extra)));

test('runtime - inbound message becomes an envelope on <prefix>.in.<channel>.<account>', async () => {
  const gw = await boot(`  - use: ${LOOPBACK_PATH}\n    account: main\n`);
  const inbox = gw.inbox;
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
});

test('runtime - a repeated platform message id is seen once by a core subscriber of <prefix>.in.>', async () => {
  const gw = await boot(`  - use: ${LOOPBACK_PATH}\n`);
  const inbox = gw.inbox;
  const lb = loopback.get();
  expect((await lb.receive(dm('dup1'))).outcome).toBe('stored');
  expect((await lb.receive(dm('dup1'))).outcome).toBe('duplicate');
  expect((await lb.receive(dm('dup2'))).outcome).toBe('stored');
  await inbox.waitFor(2);
  await gw.inboundBarrier((text) => lb.receive(dm(text)));
  expect(inbox.items.map((e) => e.message.id)).toEqual(['dup1', 'dup2']);
});

test('runtime - outbound envelope is delivered to the right account and gets an ok receipt', async () => {
  const gw = await boot(`  - use: ${LOOPBACK_PATH}\n    account: a\n  - use: ${LOOPBACK_PATH}\n    account: b\n`);
  const receipts = gw.receipts;
  gw.publish('loopback.b', { id: 'r1', conversation: { id: 'c1' }, text: 'hi b' });
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
});

test('runtime - malformed outbound payloads get E_SCHEMA receipts naming the problem and do not block the queue', async () => {
  const gw = await boot(`  - use: ${LOOPBACK_PATH}\n`);
  const receipts = gw.receipts;
  gw.publish('loopback.default', 'not json {');
  gw.publish('loopback.default', { id: 'bad1', conversation: { id: 'c' }, text: 42 });
  gw.publish('loopback.default', { id: 'bad2', text: 'no target' });
  gw.publish('loopback.default', { id: 'bad3', conversation: { id: 'c' }, txt: 'typo' });
  gw.publish('loopback.default', { id: 'good', conversation: { id: 'c' }, text: 'fine' });
  const items = await receipts.waitFor(5);
  const byId = (id: string | undefined) => items.find((r) => r.id === id)!;
  expect(byId(undefined)).toMatchObject({ ok: false, error: { code: 'E_SCHEMA', retryable: false } });
  expect(byId(undefined).error!.message).toMatch(/not JSON/);
  expect(byId('bad1').error).toMatchObject({ code: 'E_SCHEMA' });
  expect(byId('bad1').error!.message).toContain('"text" must be string');
  expect(byId('bad2').error!.message).toContain('conversation.id');
  expect(byId('bad3').error!.message).toMatch(/unknown field "txt" \(did you mean "text"\?\)/);
  expect(byId('good')).toMatchObject({ ok: true });
});

test('runtime - outbound to an unknown account gets E_UNKNOWN_ACCOUNT', async () => {
  const gw = await boot(`  - use: ${LOOPBACK_PATH}\n`);
  const receipts = gw.receipts;
  gw.publish('loopback.nobody', { id: 'x1', conversation: { id: 'c' }, text: 'hi' });
  const [r] = await receipts.waitFor(1);
  expect(r).toMatchObject({ id: 'x1', account: 'nobody', ok: false, error: { code: 'E_UNKNOWN_ACCOUNT', retryable: false } });
});

test('runtime - retryable failures are retried; permanent ones end in one failed receipt', async () => {
  const gw = await boot(`  - use: ${LOOPBACK_PATH}\n`);
  const receipts = gw.receipts;
  const lb = loopback.get();
  lb.failNext(DeliveryError.retryable('rate limited', { rateLimited: true, platformCode: 99991400, retryAfterMs: 50 }), 2);
  gw.publish('loopback.default', { id: 'retry1', conversation: { id: 'c' }, text: 'eventually' });
  const [ok] = await receipts.waitFor(1);
  expect(ok).toMatchObject({ id: 'retry1', ok: true, attempts: 3 });
  lb.failNext(DeliveryError.permanent('bot is not in the chat', { platformCode: 230002 }));
  gw.publish('loopback.default', { id: 'perm1', conversation: { id: 'c' }, text: 'never' });
  const items = await receipts.waitFor(2);
  expect(items[1]).toMatchObject({
    id: 'perm1',
    ok: false,
    attempts: 1,
    error: { code: 'E_PLATFORM', platformCode: 230002, retryable: false, message: 'bot is not in the chat' },
  });
  await gw.outboundBarrier('loopback.default', 'c');
  expect(receipts.items).toHaveLength(2);
});

test('runtime - outbound envelopes of one conversation keep their order while conversations run in parallel', async () => {
  const gw = await boot(`  - use: ${LOOPBACK_PATH}\n    sendDelayMs: 5\n`);
  const receipts = gw.receipts;
  const lb = loopback.get();
  lb.failNext(DeliveryError.retryable('slow down', { retryAfterMs: 100 }), 1);
  for (let i = 0; i < 20; i++) {
    gw.publish('loopback.default', { id: `o${i}`, conversation: { id: `c${i % 3}` }, text: `${i % 3}:${i}` });
  }
  await receipts.waitFor(20);
  for (const c of ['0', '1', '2']) {
    const seq = lb.sent.filter((s) => s.envelope.text!.startsWith(`${c}:`)).map((s) => Number(s.envelope.text!.split(':')[1]));
    expect(seq).toEqual([...seq].sort((a, b) => a - b));
  }
  expect(receipts.items.every((r) => r.ok)).toBe(true);
});

test('runtime - the same outbound id is delivered once; a repeat gets the same receipt again', async () => {
  const gw = await boot(`  - use: ${LOOPBACK_PATH}\n`);
  const receipts = gw.receipts;
  const body = JSON.stringify({ id: 'once', conversation: { id: 'c' }, text: 'only once' });
  gw.publish('loopback.default', body);
  await receipts.waitFor(1);
  gw.publish('loopback.default', body);
  const items = await receipts.waitFor(2);
  expect(loopback.get().sent).toHaveLength(1);
  expect(items[1]).toMatchObject({ id: 'once', ok: true, messageIds: items[0]!.messageIds });
});

test('runtime - a sender not in allowFrom is dropped and its id logged with the hint', async () => {
  const gw = await boot(`  - use: ${LOOPBACK_PATH}\n    allowFrom: ["ou_boss"]\n`);
  const lb = loopback.get();
  expect((await lb.receive(dm('a1', 'ou_boss'))).outcome).toBe('stored');
  expect((await lb.receive(dm('a2', 'ou_stranger'))).outcome).toBe('denied');
  const line = gw.logs.find((l) => l.senderId === 'ou_stranger');
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
  const gw = await boot(
    `  - use: ${LOOPBACK_PATH}\n    account: ok\n  - use: ${LOOPBACK_PATH}\n    account: broken\n    failStart: "bad credentials for broken"\n`,
  );
  const statuses = gw.statuses;
  expect(loopback.has('ok')).toBe(true);
  expect(loopback.has('broken')).toBe(false);
  const ready = await fetch(`${gw.gateway.http.url}/readyz`);
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
});

test('runtime - a replica that loses the outbound lease and takes it again sends in a new term (SendInfo.term)', async () => {
  const gw = await boot(`  - use: ${LOOPBACK_PATH}\n`);
  gw.publish('loopback.default', { id: 'before', conversation: { id: 'c1' }, text: 'one' });
  await gw.receipts.waitForId('before');
  // Another owner writes the lease: this replica sees it lost at its next renewal and stops sending.
  const leases = await new Kvm(t.nc).open(`${gw.prefix}_leases`);
  await leases.put('loopback.default', 'someone-else');
  await eventually(() => gw.logs.lines.some((l) => String(l.msg).startsWith('outbound lease lost')), 'lease lost');
  // The other owner is gone: the replica takes the lease again.
  await leases.delete('loopback.default');
  await eventually(
    () => gw.logs.lines.filter((l) => String(l.msg).startsWith('outbound lease acquired')).length === 2,
    'lease taken again',
    20_000,
  );
  gw.publish('loopback.default', { id: 'after', conversation: { id: 'c1' }, text: 'two' });
  await gw.receipts.waitForId('after');
  const [first, second] = loopback.get().sent;
  expect(first!.term).toEqual(expect.any(Number));
  expect(second!.term).toEqual(expect.any(Number));
  expect(second!.term).not.toBe(first!.term);
}, 40_000);

test('runtime - health, metrics and the status KV reflect the instances', async () => {
  const gw = await boot(`  - use: ${LOOPBACK_PATH}\n`, undefined, 'metrics:\n  perAccount: true\n');
  const base = gw.gateway.http.url;
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  await loopback.get().receive(dm('met1'));
  const metrics = await (await fetch(`${base}/metrics`)).text();
  expect(metrics).toContain('chat_gateway_inbound_total{account="default",channel="loopback",outcome="stored"} 1');
  expect(metrics).toContain('chat_gateway_instance_up{account="default",channel="loopback"} 1');
  const kv = await new Kvm(t.nc).open(`${gw.prefix}_status`);
  const entry = await kv.get('loopback.default');
  expect(entry?.json()).toMatchObject({ kind: 'status', channel: 'loopback', account: 'default', state: 'connected' });
});

test('runtime - graceful stop finishes in-flight deliveries and loses no acknowledged inbound message', async () => {
  const gw = await boot(`  - use: ${LOOPBACK_PATH}\n    sendDelayMs: 300\n`);
  const receipts = gw.receipts;
  const inbox = gw.inbox;
  gw.publish('loopback.default', { id: 'inflight', conversation: { id: 'c' }, text: 'x' });
  await eventually(
    async () => (await gw.gateway.metrics.outbound.value({ channel: 'loopback', account: 'default' })) >= 1,
    'outbound consumed',
  );
  const lb = loopback.get();
  const published = lb.receive(dm('last'));
  await gw.stop();
  expect((await published).outcome).toBe('stored');
  await receipts.waitFor(1);
  expect(receipts.items[0]).toMatchObject({ id: 'inflight', ok: true });
  await inbox.waitFor(1);
});

test('runtime - secrets never appear in the logs', async () => {
  const secret = 'sup3r-s3cret-value';
  const gw = await t.boot(
    loopbackConfig(
      t.nats.url,
      uniquePrefix(),
      `  - use: ${LOOPBACK_PATH}\n    token: \${LB_TOKEN}\n    failStart: "login refused for token ${secret}"\n`,
    ),
    { env: { LB_TOKEN: secret } },
  );
  await eventually(() => gw.logs.raw.some((l) => l.includes('login refused')), 'start failure logged');
  expect(gw.logs.raw.join('\n')).not.toContain(secret);
  expect(gw.logs.raw.join('\n')).toContain('[redacted]');
});

test('runtime - a deferred delivery (recipient offline) is kept and delivered later without spending attempts', async () => {
  const gw = await boot(`  - use: ${LOOPBACK_PATH}\n`);
  const receipts = gw.receipts;
  const lb = loopback.get();
  lb.failNext(DeliveryError.deferred('visitor offline', { retryAfterMs: 100 }), 10);
  gw.publish('loopback.default', { id: 'held', conversation: { id: 'visitor' }, text: 'when you are back' });
  const [r] = await receipts.waitFor(1, 15_000);
  expect(r).toMatchObject({ id: 'held', ok: true });
  expect(lb.sent.map((s) => s.envelope.text)).toEqual(['when you are back']);
});

test('runtime - a deferred delivery fails with one receipt once delivery.holdFor has passed', async () => {
  const gw = await boot(`  - use: ${LOOPBACK_PATH}\n`, (yaml) => withDelivery(yaml, { holdFor: '300ms' }));
  const receipts = gw.receipts;
  loopback.get().failNext(DeliveryError.deferred('visitor offline', { retryAfterMs: 100 }), 1000);
  gw.publish('loopback.default', { id: 'expired', conversation: { id: 'visitor' }, text: 'too late' });
  const [r] = await receipts.waitFor(1, 15_000);
  expect(r).toMatchObject({ id: 'expired', ok: false, error: { code: 'E_PLATFORM', retryable: true } });
  expect(r!.error!.message).toContain('visitor offline');
  await gw.outboundBarrier('loopback.default', 'visitor');
  expect(receipts.items).toHaveLength(1);
});

test('runtime - an envelope over delivery.maxBytes gets E_TOO_LARGE naming its id', async () => {
  const gw = await boot(`  - use: ${LOOPBACK_PATH}\n`, (yaml) => withDelivery(yaml, { maxBytes: '2048' }));
  const receipts = gw.receipts;
  gw.publish('loopback.default', { id: 'big', conversation: { id: 'c' }, text: 'x'.repeat(5000) });
  const [r] = await receipts.waitFor(1);
  expect(r).toMatchObject({ id: 'big', ok: false, error: { code: 'E_TOO_LARGE', retryable: false } });
  expect(r!.error!.message).toMatch(/envelope is \d+ bytes; the limit is 2048 \(delivery.maxBytes\)/);
  expect(loopback.get().sent).toHaveLength(0);
});

import { jetstreamManager } from '@nats-io/jetstream';
import { AgentClient, AgentError, type AgentClientOptions, type InboundEnvelope } from '../../core/agent';
import { subjects } from '../../core/contract/subjects';
import { DeliveryError } from '../../core/errors';
import { startEchoAgent } from '../../examples/echo-agent';
import { LOOPBACK_PATH, eventually, isMarker, loopback, loopbackConfig, newMarker, withoutMarkers } from '../support';
import { useGatewayTest } from '../support/fixture';
import { uniquePrefix } from '../support/nats-server';

const t = useGatewayTest();
let prefix: string;
const errors: Array<{ err: Error; envelopeId?: string }> = [];

beforeEach(async () => {
  errors.length = 0;
  prefix = (await t.boot(loopbackConfig(t.nats.url, uniquePrefix(), `  - use: ${LOOPBACK_PATH}\n`))).prefix;
});

async function agent(options: AgentClientOptions = {}): Promise<AgentClient> {
  const a = await AgentClient.connect({ servers: t.nats.url, prefix, onError: (err, ctx) => errors.push({ err, ...ctx }), ...options });
  t.defer(() => a.close());
  return a;
}

/** The state of an agent's durable consumer on the inbound stream: what waits for it and what it holds unacknowledged. */
async function durable(name: string): Promise<{ pending: number; unacked: number }> {
  const info = await (await jetstreamManager(t.nc)).consumers.info(subjects(prefix).inStream, name);
  return { pending: info.num_pending, unacked: info.num_ack_pending };
}

const dm = (id: string, text = 'hello', sender = 'u1') => ({
  messageId: id,
  conversation: { id: `dm_${sender}`, type: 'direct' as const },
  sender: { id: sender, name: 'Tom' },
  parts: [{ type: 'text' as const, text }],
});

test('agent client - onMessage receives the stored inbound envelope', async () => {
  const a = await agent();
  const got: InboundEnvelope[] = [];
  await a.onMessage((m) => void got.push(m));
  await loopback.get().receive(dm('m1', 'hi there'));
  await eventually(() => got.length === 1, 'one envelope');
  expect(got[0]).toMatchObject({
    id: 'loopback:default:m1',
    channel: 'loopback',
    account: 'default',
    conversation: { id: 'dm_u1', type: 'direct' },
    message: { id: 'm1', text: 'hi there' },
  });
});

test('agent client - reply() resolves with the ok receipt and the platform gets conversation and replyTo', async () => {
  const a = await agent();
  const receipts: unknown[] = [];
  await a.onMessage(async (m) => void receipts.push(await a.reply(m, { text: '**ok**', format: 'markdown', id: 'reply-1' })));
  await loopback.get().receive(dm('m2'));
  await eventually(() => receipts.length === 1, 'a receipt');
  expect(receipts[0]).toMatchObject({
    kind: 'receipt',
    id: 'reply-1',
    channel: 'loopback',
    account: 'default',
    ok: true,
    messageIds: ['lb_1'],
    attempts: 1,
  });
  expect(loopback.get().sent.map((s) => s.envelope)).toEqual([
    { v: 1, id: 'reply-1', conversation: { id: 'dm_u1' }, replyTo: 'm2', text: '**ok**', format: 'markdown' },
  ]);
  expect(errors).toEqual([]);
});

test('agent client - a permanent platform failure rejects with an AgentError carrying code and platformCode', async () => {
  const a = await agent();
  loopback.get().failNext(DeliveryError.permanent('bot is not in the chat', { platformCode: 230002 }));
  const err = await a.send('loopback', 'default', { conversation: { id: 'c1' }, text: 'never' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AgentError);
  expect(err).toMatchObject({ code: 'E_PLATFORM', platformCode: 230002, retryable: false, message: 'bot is not in the chat' });
  expect((err as AgentError).receipt).toMatchObject({ ok: false, attempts: 1 });
});

test('agent client - refusals and a missing gateway are AgentErrors with their codes', async () => {
  const a = await agent({ receiptTimeoutMs: 300 });
  await expect(a.send('loopback', 'nobody', { conversation: { id: 'c' }, text: 'x' })).rejects.toMatchObject({
    code: 'E_UNKNOWN_ACCOUNT',
    retryable: false,
  });
  await expect(a.send('loopback', 'default', { id: 'bad', conversation: { id: 'c' }, txt: 'typo' } as never)).rejects.toMatchObject({
    code: 'E_SCHEMA',
    message: expect.stringContaining('did you mean "text"'),
  });
  const elsewhere = await agent({ prefix: uniquePrefix(), receiptTimeoutMs: 300 });
  await expect(elsewhere.send('loopback', 'default', { id: 'lost', conversation: { id: 'c' }, text: 'x' })).rejects.toMatchObject({
    code: 'E_TIMEOUT',
    id: 'lost',
    retryable: true,
  });
  expect(loopback.get().sent).toHaveLength(0);
});

test('agent client - a handler that throws is reported to onError and the next message still arrives', async () => {
  const a = await agent();
  const got: string[] = [];
  await a.onMessage((m) => {
    if (m.message.text === 'boom') throw new Error('handler failed');
    got.push(m.message.text);
  });
  await loopback.get().receive(dm('e1', 'boom'));
  await loopback.get().receive(dm('e2', 'fine'));
  await eventually(() => got.length === 1, 'the second message');
  expect(errors.map((e) => [e.err.message, e.envelopeId])).toEqual([['handler failed', 'loopback:default:e1']]);
});

test('agent client - two clients in one queue group share 20 messages, each delivered exactly once', async () => {
  const seen: string[][] = [[], []];
  for (const list of seen) await (await agent()).onMessage((m) => void list.push(m.message.id));
  for (let i = 0; i < 20; i++) await loopback.get().receive(dm(`q${i}`, `n${i}`, `u${i % 4}`));
  await eventually(() => seen[0]!.length + seen[1]!.length >= 20, '20 messages');
  // A barrier for each client: markers until both got one, and with it every message the group routed to it before.
  await eventually(async () => {
    await loopback.get().receive(dm(newMarker()));
    return seen.every((list) => list.some((id) => isMarker(id)));
  }, 'a marker at each client');
  const [first, second] = seen.map((list) => withoutMarkers(list));
  expect(first!.length).toBeGreaterThan(0);
  expect(second!.length).toBeGreaterThan(0);
  expect([...first!, ...second!].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `q${i}`).sort());
});

test('agent client - durable mode receives what arrived while the agent was stopped', async () => {
  const got: string[] = [];
  const first = await agent();
  await first.onMessage((m) => void got.push(m.message.id), { durable: 'worker', account: 'default' });
  await loopback.get().receive(dm('d1'));
  await eventually(() => got.length === 1, 'first message');
  await first.close();
  await loopback.get().receive(dm('d2'));
  await loopback.get().receive(dm('d3'));
  // Both wait in the consumer, delivered to no one: nothing reached the stopped agent.
  await eventually(async () => {
    const { pending, unacked } = await durable('worker');
    return pending === 2 && unacked === 0;
  }, 'd2 and d3 waiting for the agent');
  expect(got).toEqual(['d1']);
  await (await agent()).onMessage((m) => void got.push(m.message.id), { durable: 'worker', account: 'default' });
  await eventually(() => got.length === 3, 'the two messages sent while stopped');
  expect(got).toEqual(['d1', 'd2', 'd3']);
});

test('agent client - durable mode delivers again a message whose handler threw', async () => {
  const a = await agent();
  const attempts: string[] = [];
  await a.onMessage(
    (m) => {
      attempts.push(m.message.id);
      if (attempts.length === 1) throw new Error('model unavailable');
    },
    { durable: 'retrying', redeliveryDelayMs: 50 },
  );
  await loopback.get().receive(dm('r1'));
  await eventually(() => attempts.length === 2, 'a redelivery');
  // Acknowledged, and nothing else waiting: no further delivery can come.
  await eventually(async () => {
    const { pending, unacked } = await durable('retrying');
    return pending === 0 && unacked === 0;
  }, 'r1 acknowledged');
  expect(attempts).toEqual(['r1', 'r1']);
  expect(errors.map((e) => e.err.message)).toEqual(['model unavailable']);
});

test('agent client - the echo agent answers "echo: hi"', async () => {
  const lines: string[] = [];
  const stop = await startEchoAgent({ servers: t.nats.url, prefix, log: (l) => lines.push(l) });
  try {
    await loopback.get().receive(dm('hi1', 'hi'));
    await eventually(() => loopback.get().sent.length === 1, 'the echo');
    expect(loopback.get().sent[0]!.envelope).toMatchObject({
      conversation: { id: 'dm_u1' },
      replyTo: 'hi1',
      text: 'echo: hi',
      format: 'markdown',
    });
    expect(lines).toContain('loopback/default Tom: hi');
  } finally {
    await stop();
  }
});

test('agent client - a handler run again for the same message does not send its replies twice', async () => {
  const a = await agent();
  const receipts: Array<{ ok: boolean; id?: string }> = [];
  let runs = 0;
  await a.onMessage(
    async (m) => {
      runs++;
      receipts.push(await a.reply(m, 'first part'));
      receipts.push(await a.reply(m, 'second part'));
      if (runs === 1) throw new Error('crashed after replying');
    },
    { durable: 'once', redeliveryDelayMs: 50 },
  );
  await loopback.get().receive(dm('x1'));
  await eventually(() => receipts.length === 4, 'both runs replied');
  expect(loopback.get().sent.map((s) => s.envelope.text)).toEqual(['first part', 'second part']);
  expect(receipts.map((r) => r.id)).toEqual([receipts[0]!.id, receipts[1]!.id, receipts[0]!.id, receipts[1]!.id]);
  expect(receipts.every((r) => r.ok)).toBe(true);
});

test('agent client - a new durable consumer starts with new messages unless from: all', async () => {
  await loopback.get().receive(dm('old1'));
  const fresh: string[] = [];
  const replay: string[] = [];
  await (await agent()).onMessage((m) => void fresh.push(m.message.id), { durable: 'fresh' });
  await (await agent()).onMessage((m) => void replay.push(m.message.id), { durable: 'replay', from: 'all' });
  await loopback.get().receive(dm('new1'));
  await eventually(() => fresh.length === 1 && replay.length === 2, 'deliveries');
  expect(fresh).toEqual(['new1']);
  expect(replay).toEqual(['old1', 'new1']);
});

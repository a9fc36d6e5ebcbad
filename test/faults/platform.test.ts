import type { NatsConnection } from '@nats-io/transport-node';
import type { InboundEnvelope, Receipt } from '../../core/contract/schemas';
import type { FeishuEmulator } from '../emulators/feishu';
import { Collector, client, eventually, startGateway, type Started } from '../support';
import { feishuConfig, newApp, startEmulator } from '../support/feishu';
import { startNats, uniquePrefix, type TestNats } from '../support/nats-server';

let nats: TestNats;
let nc: NatsConnection;
let emu: FeishuEmulator;
let run: Started | undefined;
let prefix: string;
let app: ReturnType<typeof newApp>;
let receipts: Collector<Receipt>;

beforeAll(async () => {
  nats = await startNats();
  nc = await client(nats.url);
});
beforeEach(async () => {
  emu = await startEmulator();
  app = newApp(emu);
  prefix = uniquePrefix();
  run = await startGateway(
    feishuConfig(nats.url, prefix, emu.url, app, '    allowFrom: ["*"]\n').replace(
      '  maxBackoff: 200ms\n',
      '  maxBackoff: 2s\n  maxAttempts: 8\n  sendTimeout: 1s\n',
    ),
  );
  receipts = new Collector<Receipt>(nc, `${prefix}.receipt.>`);
  await nc.flush();
  await emu.waitForConnections(app.appId, 1);
});
afterEach(async () => {
  receipts.close();
  await run?.gateway.stop();
  run = undefined;
  await emu.stop();
});
afterAll(async () => {
  await nc.close();
  await nats.close();
});

const out = (i: number, conv: string) =>
  nc.publish(`${prefix}.out.feishu.default`, JSON.stringify({ id: `p${i}`, conversation: { id: conv }, text: `${conv}:${i}` }));
const sentTexts = () => emu.sent.map((s) => (s.content as { text: string }).text);
function inOrder(conv: string): boolean {
  const seq = sentTexts()
    .filter((t) => t.startsWith(`${conv}:`))
    .map((t) => Number(t.split(':')[1]));
  return seq.every((v, i) => i === 0 || v > seq[i - 1]!);
}

test('faults - a rate-limit storm: 300 messages to 3 chats and the per-app limit, all delivered once and in order', async () => {
  emu.enforceRateLimits(true);
  // Other bots share the chats' limits: Feishu answers with rate limits the gateway's pacing cannot avoid.
  emu.failNext({ api: 'create', code: 230020, times: 12 });
  emu.failNext({ api: 'create', code: 99991400, httpStatus: 429, resetSeconds: 1, times: 4 });
  for (let i = 0; i < 300; i++) out(i, `oc_storm${i % 3}`);
  await eventually(() => new Set(receipts.items.map((r) => r.id)).size === 300, '300 receipts', 90_000);
  await new Promise((r) => setTimeout(r, 500));
  expect(receipts.items).toHaveLength(300);
  expect(receipts.items.every((r) => r.ok)).toBe(true);
  expect(emu.sent).toHaveLength(300);
  for (const c of ['oc_storm0', 'oc_storm1', 'oc_storm2']) expect(inOrder(c)).toBe(true);
  const limited = emu.requests.filter((q) => q.code === 230020 || q.code === 99991400).length;
  process.stdout.write(
    `rate-limit storm: 300 sent, ${emu.sent.length} delivered, ${limited} rate-limit answers, ${receipts.items.filter((r) => r.attempts > 1).length} retried\n`,
  );
}, 120_000);

test('faults - 5xx answers are retried; a platform that stays down ends in one failed receipt per envelope', async () => {
  emu.failNext({ api: 'create', code: 1, httpStatus: 500, msg: 'internal error', times: 3 });
  out(1, 'oc_a');
  const [ok] = await receipts.waitFor(1, 20_000);
  expect(ok).toMatchObject({ id: 'p1', ok: true, attempts: 4 });
  emu.failNext({ api: 'create', code: 1, httpStatus: 503, msg: 'unavailable', times: 100 });
  out(2, 'oc_a');
  out(3, 'oc_a');
  await receipts.waitFor(3, 60_000);
  const failed = receipts.items.slice(1);
  expect(failed.map((r) => r.id)).toEqual(['p2', 'p3']);
  for (const r of failed)
    expect(r).toMatchObject({ ok: false, attempts: 8, error: { code: 'E_PLATFORM', retryable: true, platformCode: 1 } });
  expect(failed[0]!.error!.message).toContain('gave up after 8 attempts');
  expect(emu.sent.map((s) => s.uuid)).toEqual(['p1']);
}, 90_000);

test('faults - a chat that never stops rate-limiting ends in one E_RATE_LIMITED receipt', async () => {
  emu.failNext({ api: 'create', code: 230020, times: 100 });
  out(1, 'oc_busy');
  const [r] = await receipts.waitFor(1, 60_000);
  expect(r).toMatchObject({ id: 'p1', ok: false, attempts: 8, error: { code: 'E_RATE_LIMITED', platformCode: 230020, retryable: true } });
  expect(emu.sent).toHaveLength(0);
}, 90_000);

test('faults - answers slower than sendTimeout are retried with the same uuid, so the chat sees each message once', async () => {
  emu.setLatency('create', 1500);
  out(1, 'oc_slow');
  out(2, 'oc_slow');
  await eventually(() => emu.requests.filter((q) => q.api === 'create').length >= 2, 'a timed-out first call', 20_000);
  emu.setLatency('create', 0);
  await receipts.waitFor(2, 30_000);
  expect(receipts.items.map((r) => [r.id, r.ok])).toEqual([
    ['p1', true],
    ['p2', true],
  ]);
  expect(receipts.items[0]!.attempts).toBeGreaterThan(1);
  expect(sentTexts()).toEqual(['oc_slow:1', 'oc_slow:2']);
}, 60_000);

test('faults - a WebSocket dropped in the middle of a fragmented event: redelivered after the reconnect, stored once', async () => {
  const inbox = new Collector<InboundEnvelope>(nc, `${prefix}.in.>`);
  await nc.flush();
  const event = emu.message({
    appId: app.appId,
    chatId: 'oc_frag',
    chatType: 'p2p',
    senderOpenId: 'ou_frag',
    messageType: 'text',
    content: { text: '长消息 '.repeat(2000) },
  });
  const first = await emu.pushEvent(app.appId, event, { fragments: 4, dropAfterFragments: 2, timeoutMs: 1000 }).catch((e: Error) => e);
  expect(first).toBeInstanceOf(Error);
  await emu.waitForConnections(app.appId, 1, 10_000);
  const again = await emu.redeliver(event.header.event_id, { fragments: 4 });
  expect(again.code).toBe(200);
  await inbox.waitFor(1);
  await new Promise((r) => setTimeout(r, 300));
  expect(inbox.items).toHaveLength(1);
  expect(inbox.items[0]!.message.text).toBe('长消息 '.repeat(2000));
  inbox.close();
}, 30_000);

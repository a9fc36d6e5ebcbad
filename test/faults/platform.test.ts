import { eventually, inboundBarrier, withoutMarkers } from '../support';
import { bootFeishu, textEvent, type FeishuApp } from '../support/feishu';
import { useGatewayTest, type Booted } from '../support/fixture';

const t = useGatewayTest({ emulator: 'feishu' });
let gw: Booted;
let app: FeishuApp;

beforeEach(async () => {
  ({ gw, app } = await bootFeishu(t, undefined, { delivery: { maxBackoff: '2s', maxAttempts: 8, sendTimeout: '1s' } }));
});

const out = (i: number, conv: string) => gw.publish('feishu.default', { id: `p${i}`, conversation: { id: conv }, text: `${conv}:${i}` });
const sentTexts = () => t.emu.sent.map((s) => (s.content as { text: string }).text);
function inOrder(conv: string): boolean {
  const seq = sentTexts()
    .filter((t) => t.startsWith(`${conv}:`))
    .map((t) => Number(t.split(':')[1]));
  return seq.every((v, i) => i === 0 || v > seq[i - 1]!);
}

test('faults - a rate-limit storm: 300 messages to 3 chats and the per-app limit, all delivered once and in order', async () => {
  t.emu.enforceRateLimits(true);
  // Other bots share the chats' limits: Feishu answers with rate limits the gateway's pacing cannot avoid.
  t.emu.failNext({ api: 'create', code: 230020, times: 12 });
  t.emu.failNext({ api: 'create', code: 99991400, httpStatus: 429, resetSeconds: 1, times: 4 });
  for (let i = 0; i < 300; i++) out(i, `oc_storm${i % 3}`);
  await eventually(() => new Set(gw.receipts.items.map((r) => r.id)).size === 300, '300 receipts', 90_000);
  await Promise.all(['oc_storm0', 'oc_storm1', 'oc_storm2'].map((c) => gw.outboundBarrier('feishu.default', c)));
  expect(gw.receipts.items).toHaveLength(300);
  expect(gw.receipts.items.every((r) => r.ok)).toBe(true);
  expect(withoutMarkers(t.emu.sent)).toHaveLength(300);
  for (const c of ['oc_storm0', 'oc_storm1', 'oc_storm2']) expect(inOrder(c)).toBe(true);
  const limited = t.emu.requests.filter((q) => q.code === 230020 || q.code === 99991400).length;
  process.stdout.write(
    `rate-limit storm: 300 sent, ${withoutMarkers(t.emu.sent).length} delivered, ${limited} rate-limit answers, ${gw.receipts.items.filter((r) => r.attempts > 1).length} retried\n`,
  );
}, 120_000);

test('faults - 5xx answers are retried; a platform that stays down ends in one failed receipt per envelope', async () => {
  t.emu.failNext({ api: 'create', code: 1, httpStatus: 500, msg: 'internal error', times: 3 });
  out(1, 'oc_a');
  const [ok] = await gw.receipts.waitFor(1, 20_000);
  expect(ok).toMatchObject({ id: 'p1', ok: true, attempts: 4 });
  t.emu.failNext({ api: 'create', code: 1, httpStatus: 503, msg: 'unavailable', times: 100 });
  out(2, 'oc_a');
  out(3, 'oc_a');
  await gw.receipts.waitFor(3, 60_000);
  const failed = gw.receipts.items.slice(1);
  expect(failed.map((r) => r.id)).toEqual(['p2', 'p3']);
  for (const r of failed)
    expect(r).toMatchObject({ ok: false, attempts: 8, error: { code: 'E_PLATFORM', retryable: true, platformCode: 1 } });
  expect(failed[0]!.error!.message).toContain('gave up after 8 attempts');
  expect(t.emu.sent.map((s) => s.uuid)).toEqual(['p1']);
}, 90_000);

test('faults - a chat that never stops rate-limiting ends in one E_RATE_LIMITED receipt', async () => {
  t.emu.failNext({ api: 'create', code: 230020, times: 100 });
  out(1, 'oc_busy');
  const [r] = await gw.receipts.waitFor(1, 60_000);
  expect(r).toMatchObject({ id: 'p1', ok: false, attempts: 8, error: { code: 'E_RATE_LIMITED', platformCode: 230020, retryable: true } });
  expect(t.emu.sent).toHaveLength(0);
}, 90_000);

test('faults - answers slower than sendTimeout are retried with the same uuid, so the chat sees each message once', async () => {
  t.emu.setLatency('create', 1500);
  out(1, 'oc_slow');
  out(2, 'oc_slow');
  await eventually(() => t.emu.requests.filter((q) => q.api === 'create').length >= 2, 'a timed-out first call', 20_000);
  t.emu.setLatency('create', 0);
  await gw.receipts.waitFor(2, 30_000);
  expect(gw.receipts.items.map((r) => [r.id, r.ok])).toEqual([
    ['p1', true],
    ['p2', true],
  ]);
  expect(gw.receipts.items[0]!.attempts).toBeGreaterThan(1);
  expect(sentTexts()).toEqual(['oc_slow:1', 'oc_slow:2']);
}, 60_000);

test('faults - a WebSocket dropped in the middle of a fragmented event: redelivered after the reconnect, stored once', async () => {
  const inbox = gw.inbox;
  const event = textEvent(t.emu, app, '长消息 '.repeat(2000), { chatId: 'oc_frag', senderOpenId: 'ou_frag' });
  const first = await t.emu.pushEvent(app.appId, event, { fragments: 4, dropAfterFragments: 2, timeoutMs: 1000 }).catch((e: Error) => e);
  expect(first).toBeInstanceOf(Error);
  await t.emu.waitForConnections(app.appId, 1, 10_000);
  const again = await t.emu.redeliver(event.header.event_id, { fragments: 4 });
  expect(again.code).toBe(200);
  await inbox.waitFor(1);
  await inboundBarrier(inbox, (text) =>
    t.emu.pushEvent(app.appId, textEvent(t.emu, app, text, { chatId: 'oc_frag', senderOpenId: 'ou_frag' })),
  );
  expect(inbox.items).toHaveLength(1);
  expect(inbox.items[0]!.message.text).toBe('长消息 '.repeat(2000));
}, 30_000);

import type { NatsConnection } from '@nats-io/transport-node';
import type { Receipt } from '../../../core/contract/schemas';
import type { FeishuEmulator } from '../../emulators/feishu';
import { Collector, client, eventually, startGateway, type Started } from '../../support';
import { feishuConfig, newApp, startEmulator } from '../../support/feishu';
import { startNats, uniquePrefix, type TestNats } from '../../support/nats-server';

let nats: TestNats;
let nc: NatsConnection;
let emu: FeishuEmulator;
let run: Started | undefined;
let receipts: Collector<Receipt>;
let prefix: string;
let app: ReturnType<typeof newApp>;

const USER = 'ou_7d8a6e6d0a1b2c3d4e5f60718293a4b5';
const CHAT = 'oc_5ce6d5720a1b2c3d4e5f60718293a4b5';

beforeAll(async () => {
  nats = await startNats();
  nc = await client(nats.url);
});
beforeEach(async () => {
  emu = await startEmulator();
});
afterEach(async () => {
  receipts?.close();
  await run?.gateway.stop();
  run = undefined;
  await emu.stop();
});
afterAll(async () => {
  await nc.close();
  await nats.close();
});

async function boot(extra = '') {
  app = newApp(emu);
  prefix = uniquePrefix();
  run = await startGateway(feishuConfig(nats.url, prefix, emu.url, app, extra));
  receipts = new Collector<Receipt>(nc, `${prefix}.receipt.>`);
  await nc.flush();
}

const send = (env: Record<string, unknown>) => nc.publish(`${prefix}.out.feishu.default`, JSON.stringify(env));

/** A user message the bot can reply to (the emulator knows it). */
function userMessage(text = 'question') {
  const event = emu.message({
    appId: app.appId,
    chatId: CHAT,
    chatType: 'group',
    senderOpenId: USER,
    messageType: 'text',
    content: { text },
  });
  return (event.event.message as { message_id: string }).message_id;
}

test('feishu outbound - replyTo uses the reply API with the envelope id as uuid', async () => {
  await boot();
  const parent = userMessage();
  send({ id: 'reply-7f3a', conversation: { id: CHAT }, replyTo: parent, text: '42 new customers this week.' });
  const [r] = await receipts.waitFor(1);
  expect(emu.sent).toHaveLength(1);
  expect(emu.sent[0]).toMatchObject({
    kind: 'reply',
    replyTo: parent,
    msgType: 'text',
    content: { text: '42 new customers this week.' },
    uuid: 'reply-7f3a',
    replyInThread: false,
  });
  expect(r).toMatchObject({ id: 'reply-7f3a', ok: true, messageIds: [emu.sent[0]!.messageId], attempts: 1 });
});

test('feishu outbound - replyInThread replies in the thread', async () => {
  await boot('    replyInThread: true\n');
  send({ id: 't1', replyTo: userMessage(), text: 'in a thread' });
  await receipts.waitFor(1);
  expect(emu.sent[0]).toMatchObject({ kind: 'reply', replyInThread: true });
});

test('feishu outbound - without replyTo the receive_id_type follows the id prefix', async () => {
  await boot();
  send({ id: 'c1', conversation: { id: CHAT }, text: 'to the chat' });
  send({ id: 'c2', conversation: { id: USER }, text: 'to the user' });
  send({ id: 'c3', conversation: { id: 'on_1a2b3c4d5e6f' }, text: 'by union id' });
  send({ id: 'c4', conversation: { id: 'weird-id' }, text: 'unknown kind' });
  const items = await receipts.waitFor(4);
  const sent = (uuid: string) => emu.sent.find((s) => s.uuid === uuid);
  expect(sent('c1')).toMatchObject({ kind: 'create', receiveIdType: 'chat_id', receiveId: CHAT });
  expect(sent('c2')).toMatchObject({ kind: 'create', receiveIdType: 'open_id', receiveId: USER });
  expect(sent('c3')).toMatchObject({ kind: 'create', receiveIdType: 'union_id' });
  const bad = items.find((r) => r.id === 'c4')!;
  expect(bad).toMatchObject({ ok: false, error: { code: 'E_SCHEMA', retryable: false } });
  expect(bad.error!.message).toContain('oc_');
});

test('feishu outbound - markdown becomes a card with a markdown element', async () => {
  await boot();
  const md =
    '# Weekly\n\n- **42** new customers\n- churn 3%\n\n```sql\nselect count(*) from customers\n```\n\n| region | n |\n|---|---|\n| north | 30 |\n| south | 12 |';
  send({ id: 'md1', conversation: { id: CHAT }, text: md, format: 'markdown' });
  await receipts.waitFor(1);
  expect(emu.sent[0]!.msgType).toBe('interactive');
  expect(emu.sent[0]!.content).toEqual({
    schema: '2.0',
    config: { wide_screen_mode: true },
    body: { elements: [{ tag: 'markdown', content: md }] },
  });
});

test('feishu outbound - markdown with more tables than a card allows is split into several cards', async () => {
  await boot();
  const table = (n: number) => `Table ${n}\n\n| a | b |\n|---|---|\n| ${n} | ${n * 2} |`;
  const md = [1, 2, 3, 4, 5, 6, 7].map(table).join('\n\n');
  send({ id: 'tables', conversation: { id: CHAT }, text: md, format: 'markdown' });
  const [r] = await receipts.waitFor(1);
  expect(r).toMatchObject({ ok: true });
  expect(emu.sent).toHaveLength(3);
  expect(r!.messageIds).toHaveLength(3);
  const contents = emu.sent.map((s) => (s.content as { body: { elements: Array<{ content: string }> } }).body.elements[0]!.content);
  expect(contents.join('\n\n')).toBe(md);
  expect(new Set(emu.sent.map((s) => s.uuid)).size).toBe(3);
});

test('feishu outbound - markdown: post renders as a post with an md element', async () => {
  await boot('    markdown: post\n');
  send({ id: 'p1', conversation: { id: CHAT }, text: '**bold** and `code`', format: 'markdown' });
  await receipts.waitFor(1);
  expect(emu.sent[0]).toMatchObject({ msgType: 'post', content: { zh_cn: { content: [[{ tag: 'md', text: '**bold** and `code`' }]] } } });
});

test('feishu outbound - text past the size limit is split at line boundaries, never inside a code block', async () => {
  await boot();
  const para = (i: number) => `Paragraph ${i}: ${'数据 '.repeat(6000)}`;
  const code = '```python\n' + Array.from({ length: 400 }, (_, i) => `print(${i})`).join('\n') + '\n```';
  const text = [para(1), para(2), code, para(3), para(4), para(5), para(6), para(7), para(8)].join('\n\n');
  send({ id: 'long', conversation: { id: CHAT }, text });
  const [r] = await receipts.waitFor(1);
  expect(r).toMatchObject({ ok: true });
  expect(emu.sent.length).toBeGreaterThan(1);
  const pieces = emu.sent.map((s) => (s.content as { text: string }).text);
  for (const p of pieces) {
    expect(Buffer.byteLength(emu.sent.find((s) => (s.content as { text: string }).text === p)!.rawContent)).toBeLessThanOrEqual(150 * 1024);
    expect((p.match(/```/g) ?? []).length % 2).toBe(0);
  }
  expect(pieces.join('\n').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
});

test('feishu outbound - native passes msg_type and content through; bad native gets E_SCHEMA', async () => {
  await boot();
  const card = {
    schema: '2.0',
    header: { title: { tag: 'plain_text', content: 'Report' } },
    body: { elements: [{ tag: 'markdown', content: 'ok' }] },
  };
  send({ id: 'n1', conversation: { id: CHAT }, native: { msg_type: 'interactive', content: card } });
  send({ id: 'n2', conversation: { id: CHAT }, native: { content: card } });
  const items = await receipts.waitFor(2);
  expect(emu.sent[0]).toMatchObject({ msgType: 'interactive', content: card, uuid: 'n1' });
  expect(items.find((r) => r.id === 'n2')).toMatchObject({ ok: false, error: { code: 'E_SCHEMA' } });
});

test('feishu outbound - a rate-limited send is retried after the reset hint and succeeds once', async () => {
  await boot();
  emu.failNext({ api: 'create', code: 99991400, httpStatus: 429, resetSeconds: 1 });
  emu.failNext({ api: 'create', code: 230020 });
  const started = Date.now();
  send({ id: 'rl1', conversation: { id: CHAT }, text: 'eventually' });
  const [r] = await receipts.waitFor(1, 15_000);
  expect(r).toMatchObject({ id: 'rl1', ok: true, attempts: 3 });
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  expect(emu.sent.filter((s) => s.uuid === 'rl1')).toHaveLength(1);
});

test('feishu outbound - a send that fails for good ends in one failed receipt with the platform code', async () => {
  await boot();
  emu.removeBotFromChat(app.appId, CHAT);
  send({ id: 'gone', conversation: { id: CHAT }, text: 'hello?' });
  const [r] = await receipts.waitFor(1);
  expect(r).toMatchObject({ id: 'gone', ok: false, attempts: 1, error: { code: 'E_PLATFORM', platformCode: 230002, retryable: false } });
  expect(r!.error!.message).toContain('230002');
  await new Promise((res) => setTimeout(res, 200));
  expect(receipts.items).toHaveLength(1);
});

test('feishu outbound - an expired tenant token is refreshed once and the send succeeds', async () => {
  await boot();
  send({ id: 'tok1', conversation: { id: CHAT }, text: 'first' });
  await receipts.waitFor(1);
  emu.expireTokens(app.appId);
  send({ id: 'tok2', conversation: { id: CHAT }, text: 'second' });
  const items = await receipts.waitFor(2);
  expect(items[1]).toMatchObject({ id: 'tok2', ok: true, attempts: 1 });
  expect(emu.requests.some((q) => q.code === 99991663)).toBe(true);
});

test('feishu outbound - concurrent sends after a token expiry share one token fetch', async () => {
  await boot();
  emu.expireTokens(app.appId);
  const tokenCalls = () => emu.requests.filter((q) => q.path === '/open-apis/auth/v3/tenant_access_token/internal').length;
  const before = tokenCalls();
  for (let i = 0; i < 8; i++)
    send({ id: `tok-c${i}`, conversation: { id: `oc_${String(i).repeat(32).slice(0, 32)}` }, text: `reply ${i}` });
  const items = await receipts.waitFor(8);
  expect(items.every((r) => r.ok)).toBe(true);
  expect(tokenCalls() - before).toBe(1);
});

test('feishu outbound - a retried envelope never posts twice (uuid), even when the first call timed out late', async () => {
  await boot();
  send({ id: 'dupe', conversation: { id: CHAT }, text: 'only once' });
  await receipts.waitFor(1);
  send({ id: 'dupe', conversation: { id: CHAT }, text: 'only once' });
  await receipts.waitFor(2);
  expect(emu.sent.filter((s) => s.uuid === 'dupe')).toHaveLength(1);
});

test('feishu outbound - reactEmoji marks a received message and removes the mark after the reply', async () => {
  await boot('    reactEmoji: OnIt\n    allowFrom: ["*"]\n');
  await emu.waitForConnections(app.appId, 1);
  const event = emu.message({
    appId: app.appId,
    chatId: CHAT,
    chatType: 'p2p',
    senderOpenId: USER,
    messageType: 'text',
    content: { text: 'hi' },
  });
  const messageId = (event.event.message as { message_id: string }).message_id;
  await emu.pushEvent(app.appId, event);
  await eventually(() => emu.reactions.some((r) => r.messageId === messageId && r.emojiType === 'OnIt'), 'reaction added');
  send({ id: 'answer', conversation: { id: CHAT }, replyTo: messageId, text: 'hello' });
  await receipts.waitFor(1);
  await eventually(() => emu.reactions.find((r) => r.messageId === messageId)?.deletedAt !== undefined, 'reaction removed');
});

test('feishu outbound - order per conversation holds under a rate limit storm', async () => {
  await boot();
  emu.enforceRateLimits(true);
  for (let i = 0; i < 15; i++) send({ id: `ord${i}`, conversation: { id: CHAT }, text: `#${i}` });
  await receipts.waitFor(15, 30_000);
  expect(receipts.items.every((r) => r.ok)).toBe(true);
  expect(emu.sent.map((s) => (s.content as { text: string }).text)).toEqual(Array.from({ length: 15 }, (_, i) => `#${i}`));
}, 40_000);

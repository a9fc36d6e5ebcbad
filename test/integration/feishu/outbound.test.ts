import { eventually } from '../../support';
import { CHAT, USER, bootFeishu, messageIdOf, textEvent, type FeishuApp } from '../../support/feishu';
import { useGatewayTest, type Booted } from '../../support/fixture';

const t = useGatewayTest({ emulator: 'feishu' });
let gw: Booted;
let app: FeishuApp;

async function boot(extra = '') {
  ({ gw, app } = await bootFeishu(t, extra));
}

const send = (env: Record<string, unknown>) => gw.publish('feishu.default', env);

/** A user message the bot can reply to (the emulator knows it). */
const userMessage = (text = 'question') => messageIdOf(textEvent(t.emu, app, text, { chatType: 'group' }));

test('feishu outbound - replyTo uses the reply API with the envelope id as uuid', async () => {
  await boot();
  const parent = userMessage();
  send({ id: 'reply-7f3a', conversation: { id: CHAT }, replyTo: parent, text: '42 new customers this week.' });
  const [r] = await gw.receipts.waitFor(1);
  expect(t.emu.sent).toHaveLength(1);
  expect(t.emu.sent[0]).toMatchObject({
    kind: 'reply',
    replyTo: parent,
    msgType: 'text',
    content: { text: '42 new customers this week.' },
    uuid: 'reply-7f3a',
    replyInThread: false,
  });
  expect(r).toMatchObject({ id: 'reply-7f3a', ok: true, messageIds: [t.emu.sent[0]!.messageId], attempts: 1 });
});

test('feishu outbound - replyInThread replies in the thread', async () => {
  await boot('    replyInThread: true\n');
  send({ id: 't1', replyTo: userMessage(), text: 'in a thread' });
  await gw.receipts.waitFor(1);
  expect(t.emu.sent[0]).toMatchObject({ kind: 'reply', replyInThread: true });
});

test('feishu outbound - without replyTo the receive_id_type follows the id prefix', async () => {
  await boot();
  send({ id: 'c1', conversation: { id: CHAT }, text: 'to the chat' });
  send({ id: 'c2', conversation: { id: USER }, text: 'to the user' });
  send({ id: 'c3', conversation: { id: 'on_1a2b3c4d5e6f' }, text: 'by union id' });
  send({ id: 'c4', conversation: { id: 'weird-id' }, text: 'unknown kind' });
  const items = await gw.receipts.waitFor(4);
  const sent = (uuid: string) => t.emu.sent.find((s) => s.uuid === uuid);
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
  await gw.receipts.waitFor(1);
  expect(t.emu.sent[0]!.msgType).toBe('interactive');
  expect(t.emu.sent[0]!.content).toEqual({
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
  const [r] = await gw.receipts.waitFor(1);
  expect(r).toMatchObject({ ok: true });
  expect(t.emu.sent).toHaveLength(3);
  expect(r!.messageIds).toHaveLength(3);
  const contents = t.emu.sent.map((s) => (s.content as { body: { elements: Array<{ content: string }> } }).body.elements[0]!.content);
  expect(contents.join('\n\n')).toBe(md);
  expect(new Set(t.emu.sent.map((s) => s.uuid)).size).toBe(3);
});

test('feishu outbound - markdown: post renders as a post with an md element', async () => {
  await boot('    markdown: post\n');
  send({ id: 'p1', conversation: { id: CHAT }, text: '**bold** and `code`', format: 'markdown' });
  await gw.receipts.waitFor(1);
  expect(t.emu.sent[0]).toMatchObject({ msgType: 'post', content: { zh_cn: { content: [[{ tag: 'md', text: '**bold** and `code`' }]] } } });
});

test('feishu outbound - text past the size limit is split at line boundaries, never inside a code block', async () => {
  await boot();
  const para = (i: number) => `Paragraph ${i}: ${'数据 '.repeat(6000)}`;
  const code = '```python\n' + Array.from({ length: 400 }, (_, i) => `print(${i})`).join('\n') + '\n```';
  const text = [para(1), para(2), code, para(3), para(4), para(5), para(6), para(7), para(8)].join('\n\n');
  send({ id: 'long', conversation: { id: CHAT }, text });
  const [r] = await gw.receipts.waitFor(1);
  expect(r).toMatchObject({ ok: true });
  expect(t.emu.sent.length).toBeGreaterThan(1);
  const pieces = t.emu.sent.map((s) => (s.content as { text: string }).text);
  for (const p of pieces) {
    expect(Buffer.byteLength(t.emu.sent.find((s) => (s.content as { text: string }).text === p)!.rawContent)).toBeLessThanOrEqual(
      150 * 1024,
    );
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
  const items = await gw.receipts.waitFor(2);
  expect(t.emu.sent[0]).toMatchObject({ msgType: 'interactive', content: card, uuid: 'n1' });
  expect(items.find((r) => r.id === 'n2')).toMatchObject({ ok: false, error: { code: 'E_SCHEMA' } });
});

test('feishu outbound - a rate-limited send is retried after the reset hint and succeeds once', async () => {
  await boot();
  t.emu.failNext({ api: 'create', code: 99991400, httpStatus: 429, resetSeconds: 1 });
  t.emu.failNext({ api: 'create', code: 230020 });
  const started = Date.now();
  send({ id: 'rl1', conversation: { id: CHAT }, text: 'eventually' });
  const [r] = await gw.receipts.waitFor(1, 15_000);
  expect(r).toMatchObject({ id: 'rl1', ok: true, attempts: 3 });
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  expect(t.emu.sent.filter((s) => s.uuid === 'rl1')).toHaveLength(1);
});

test('feishu outbound - a send that fails for good ends in one failed receipt with the platform code', async () => {
  await boot();
  t.emu.removeBotFromChat(app.appId, CHAT);
  send({ id: 'gone', conversation: { id: CHAT }, text: 'hello?' });
  const [r] = await gw.receipts.waitFor(1);
  expect(r).toMatchObject({ id: 'gone', ok: false, attempts: 1, error: { code: 'E_PLATFORM', platformCode: 230002, retryable: false } });
  expect(r!.error!.message).toContain('230002');
  await gw.outboundBarrier('feishu.default', CHAT);
  expect(gw.receipts.items).toHaveLength(1);
});

test('feishu outbound - an expired tenant token is refreshed once and the send succeeds', async () => {
  await boot();
  send({ id: 'tok1', conversation: { id: CHAT }, text: 'first' });
  await gw.receipts.waitFor(1);
  t.emu.expireTokens(app.appId);
  send({ id: 'tok2', conversation: { id: CHAT }, text: 'second' });
  const items = await gw.receipts.waitFor(2);
  expect(items[1]).toMatchObject({ id: 'tok2', ok: true, attempts: 1 });
  expect(t.emu.requests.some((q) => q.code === 99991663)).toBe(true);
});

test('feishu outbound - concurrent sends after a token expiry share one token fetch', async () => {
  await boot();
  t.emu.expireTokens(app.appId);
  const tokenCalls = () => t.emu.requests.filter((q) => q.path === '/open-apis/auth/v3/tenant_access_token/internal').length;
  const before = tokenCalls();
  for (let i = 0; i < 8; i++)
    send({ id: `tok-c${i}`, conversation: { id: `oc_${String(i).repeat(32).slice(0, 32)}` }, text: `reply ${i}` });
  const items = await gw.receipts.waitFor(8);
  expect(items.every((r) => r.ok)).toBe(true);
  expect(tokenCalls() - before).toBe(1);
});

test('feishu outbound - a retried envelope never posts twice (uuid), even when the first call timed out late', async () => {
  await boot();
  send({ id: 'dupe', conversation: { id: CHAT }, text: 'only once' });
  await gw.receipts.waitFor(1);
  send({ id: 'dupe', conversation: { id: CHAT }, text: 'only once' });
  await gw.receipts.waitFor(2);
  expect(t.emu.sent.filter((s) => s.uuid === 'dupe')).toHaveLength(1);
});

test('feishu outbound - reactEmoji marks a received message and removes the mark after the reply', async () => {
  await boot('    reactEmoji: OnIt\n    allowFrom: ["*"]\n');
  const event = textEvent(t.emu, app, 'hi');
  const messageId = messageIdOf(event);
  await t.emu.pushEvent(app.appId, event);
  await eventually(() => t.emu.reactions.some((r) => r.messageId === messageId && r.emojiType === 'OnIt'), 'reaction added');
  send({ id: 'answer', conversation: { id: CHAT }, replyTo: messageId, text: 'hello' });
  await gw.receipts.waitFor(1);
  await eventually(() => t.emu.reactions.find((r) => r.messageId === messageId)?.deletedAt !== undefined, 'reaction removed');
});

test('feishu outbound - order per conversation holds under a rate limit storm', async () => {
  await boot();
  t.emu.enforceRateLimits(true);
  for (let i = 0; i < 15; i++) send({ id: `ord${i}`, conversation: { id: CHAT }, text: `#${i}` });
  await gw.receipts.waitFor(15, 30_000);
  expect(gw.receipts.items.every((r) => r.ok)).toBe(true);
  expect(t.emu.sent.map((s) => (s.content as { text: string }).text)).toEqual(Array.from({ length: 15 }, (_, i) => `#${i}`));
}, 40_000);

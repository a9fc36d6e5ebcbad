import type { BotInfo, User } from '../../emulators/telegram';
import { useGatewayTest, type Booted } from '../../support/fixture';
import { bootTelegram } from '../../support/telegram';

const t = useGatewayTest({ emulator: 'telegram' });
let bot: BotInfo;
let booted: Booted;
let user: User;
let dm: number;

beforeEach(() => {
  bot = t.emu.addBot({ username: 'data_bot' });
  user = t.emu.user({ firstName: 'Tom' });
  dm = t.emu.privateChat(bot, user).id;
});

async function start(extra = '') {
  booted = await bootTelegram(t, bot, `    allowFrom: ["*"]\n${extra}`);
}
const send = (env: Record<string, unknown>) => booted.publish('telegram.default', env);

test('telegram outbound - plain text goes to the chat; the receipt carries <chat_id>:<message_id>', async () => {
  await start();
  send({ id: 'p1', conversation: { id: String(dm) }, text: 'a < b && c > d' });
  const [r] = await booted.receipts.waitFor(1);
  expect(t.emu.sent).toHaveLength(1);
  expect(t.emu.sent[0]).toMatchObject({ chatId: dm, text: 'a < b && c > d', entities: [] });
  expect(t.emu.sent[0]!.parseMode).toBeUndefined();
  expect(r).toMatchObject({ id: 'p1', ok: true, attempts: 1, messageIds: [`${dm}:${t.emu.sent[0]!.messageId}`] });
});

test('telegram outbound - replyTo <chat_id>:<message_id> (or a bare id with conversation.id) becomes reply_parameters', async () => {
  await start();
  const q = t.emu.userMessage(bot, { chat: dm, from: user, text: 'question' }).message;
  send({ id: 'r1', replyTo: `${dm}:${q.message_id}`, text: 'answer one' });
  send({ id: 'r2', conversation: { id: String(dm) }, replyTo: String(q.message_id), text: 'answer two' });
  send({ id: 'r3', replyTo: '12345', text: 'no chat' });
  const receipts = await booted.receipts.waitFor(3);
  expect(t.emu.sent.map((s) => [s.text, s.replyTo])).toEqual([
    ['answer one', q.message_id],
    ['answer two', q.message_id],
  ]);
  expect(t.emu.sent[0]!.params.reply_parameters).toEqual({ message_id: q.message_id, allow_sending_without_reply: true });
  expect(receipts.find((r) => r.id === 'r3')).toMatchObject({ ok: false, error: { code: 'E_SCHEMA', retryable: false } });
});

test('telegram outbound - a reply to a topic message lands in the topic; native.message_thread_id posts into one', async () => {
  await start();
  const forum = t.emu.group(bot, { forum: true, title: 'Support' });
  const { threadId } = t.emu.createTopic(bot, forum, 'Billing', user);
  const q = t.emu.userMessage(bot, { chat: forum, from: user, threadId, text: '@data_bot invoice?' }).message;
  send({ id: 't1', conversation: { id: String(forum.id) }, replyTo: `${forum.id}:${q.message_id}`, text: 'on its way' });
  await booted.receipts.waitFor(1);
  send({ id: 't2', conversation: { id: String(forum.id) }, text: 'heads-up for the topic', native: { message_thread_id: threadId } });
  const receipts = await booted.receipts.waitFor(2);
  expect(receipts.every((r) => r.ok)).toBe(true);
  expect(t.emu.sent.map((s) => s.threadId)).toEqual([threadId, threadId]);
  expect(t.emu.sent[1]!.replyTo).toBeUndefined();
});

test('telegram outbound - markdown becomes Telegram HTML; <script> and & in agent text arrive as literal text', async () => {
  await start();
  const md =
    '# Weekly\n\n**42** new <script>alert(1)</script> & *more*, ~~old~~ `a<b>` [report](https://example.com/r?a=1&b=2)\n\n> quoted\n\n- one\n\n```python\nif a < b and c & d:\n    pass\n```';
  send({ id: 'h1', conversation: { id: String(dm) }, text: md, format: 'markdown' });
  await booted.receipts.waitFor(1);
  const s = t.emu.sent[0]!;
  expect(s.parseMode).toBe('HTML');
  expect(String(s.params.text)).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp;');
  expect(s.text).toBe(
    'Weekly\n\n42 new <script>alert(1)</script> & more, old a<b> report\n\nquoted\n\n• one\n\nif a < b and c & d:\n    pass',
  );
  const types = s.entities.map((e) => [e.type, s.text.slice(e.offset, e.offset + e.length)]);
  expect(types).toEqual([
    ['bold', 'Weekly'],
    ['bold', '42'],
    ['italic', 'more'],
    ['strikethrough', 'old'],
    ['code', 'a<b>'],
    ['text_link', 'report'],
    ['blockquote', 'quoted'],
    ['pre', 'if a < b and c & d:\n    pass'],
  ]);
  expect(s.entities.find((e) => e.type === 'text_link')!.url).toBe('https://example.com/r?a=1&b=2');
  expect(s.entities.find((e) => e.type === 'pre')!.language).toBe('python');
});

test('telegram outbound - parseMode MarkdownV2 escapes every reserved character and keeps the formatting', async () => {
  await start('    parseMode: MarkdownV2\n');
  send({
    id: 'v1',
    conversation: { id: String(dm) },
    text: 'Total: **1.5k** (+12%) _fast_ #1 {x} [docs](https://example.com/a_(b)) `x_y`',
    format: 'markdown',
  });
  const [r] = await booted.receipts.waitFor(1);
  expect(r).toMatchObject({ ok: true });
  const s = t.emu.sent[0]!;
  expect(s.parseMode).toBe('MarkdownV2');
  expect(s.text).toBe('Total: 1.5k (+12%) fast #1 {x} docs x_y');
  expect(s.entities.map((e) => e.type)).toEqual(['bold', 'italic', 'text_link', 'code']);
  expect(s.entities.find((e) => e.type === 'text_link')!.url).toBe('https://example.com/a_(b)');
});

test('telegram outbound - markup Telegram refuses is sent again once as plain text', async () => {
  await start();
  t.emu.failNext({
    method: 'sendMessage',
    errorCode: 400,
    description: 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0',
  });
  send({ id: 'f1', conversation: { id: String(dm) }, text: '**bold** and [link](https://example.com)', format: 'markdown' });
  const [r] = await booted.receipts.waitFor(1);
  expect(r).toMatchObject({ ok: true, attempts: 1 });
  expect(t.emu.sent).toHaveLength(1);
  expect(t.emu.sent[0]).toMatchObject({ text: 'bold and link (https://example.com)', entities: [] });
  expect(t.emu.sent[0]!.parseMode).toBeUndefined();
  expect(booted.logs.find((l) => String(l.msg).startsWith('Telegram refused the markup'))).toMatchObject({ level: 40 });
});

test('telegram outbound - long text is split under 4096 characters, never inside a code block', async () => {
  await start();
  const para = (i: number) => `Paragraph ${i}: ${'lorem ipsum '.repeat(150)}`.trim();
  const code = '```sql\n' + Array.from({ length: 200 }, (_, i) => `select ${i} from t where a < ${i};`).join('\n') + '\n```';
  const md = [para(1), para(2), code, para(3), para(4)].join('\n\n');
  send({ id: 'long', conversation: { id: String(dm) }, text: md, format: 'markdown' });
  const [r] = await booted.receipts.waitFor(1, 20_000);
  expect(r).toMatchObject({ ok: true });
  expect(t.emu.sent.length).toBeGreaterThan(2);
  expect(r!.messageIds).toHaveLength(t.emu.sent.length);
  for (const s of t.emu.sent) {
    expect(s.text.length).toBeLessThanOrEqual(4096);
    // Every piece of the code block is a whole pre entity of whole lines.
    for (const e of s.entities.filter((x) => x.type === 'pre')) {
      expect(e.language).toBe('sql');
      expect(s.text.slice(e.offset, e.offset + e.length)).toMatch(/^(select \d+ from t where a < \d+;\n?)+$/);
    }
  }
  const codeLines = t.emu.sent.flatMap((s) =>
    s.entities.filter((e) => e.type === 'pre').flatMap((e) => s.text.slice(e.offset, e.offset + e.length).split('\n')),
  );
  expect(codeLines).toHaveLength(200);
  expect(t.emu.sent.map((s) => s.text).join('\n')).toContain('Paragraph 4');
});

test('telegram outbound - 429 retry_after is honoured, then the receipt is ok after 2 attempts', async () => {
  await start();
  t.emu.failNext({ method: 'sendMessage', errorCode: 429, retryAfter: 1 });
  send({ id: 'rl', conversation: { id: String(dm) }, text: 'after the limit' });
  const [r] = await booted.receipts.waitFor(1, 10_000);
  expect(r).toMatchObject({ id: 'rl', ok: true, attempts: 2 });
  const calls = t.emu.requests.filter((q) => q.method === 'sendmessage');
  expect(calls.map((c) => c.status)).toEqual([429, 200]);
  expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
});

test('telegram outbound - a user who blocked the bot ends in a permanent failure receipt with platformCode', async () => {
  await start();
  t.emu.blockBot(bot, user);
  send({ id: 'b1', conversation: { id: String(dm) }, text: 'hello?' });
  const [r] = await booted.receipts.waitFor(1);
  expect(r).toMatchObject({
    id: 'b1',
    ok: false,
    attempts: 1,
    error: { code: 'E_PLATFORM', retryable: false, platformCode: 403 },
  });
  expect(r!.error!.message).toContain('Forbidden: bot was blocked by the user');
  expect(r!.error!.message).toContain('unblock');
  send({ id: 'b2', conversation: { id: '-100999' }, text: 'nowhere' });
  const receipts = await booted.receipts.waitFor(2);
  expect(receipts[1]).toMatchObject({
    ok: false,
    attempts: 1,
    error: { retryable: false, platformCode: 400 },
  });
  expect(receipts[1]!.error!.message).toContain('Bad Request: chat not found');
});

test('telegram outbound - 5xx and dropped connections are retried; a split text resumes instead of repeating pieces', async () => {
  await start();
  t.emu.failNext({ method: 'sendMessage', html: 502 });
  send({ id: 's1', conversation: { id: String(dm) }, text: 'through a flaky proxy' });
  const [r] = await booted.receipts.waitFor(1);
  expect(r).toMatchObject({ ok: true, attempts: 2 });
  t.emu.once('sent', () => t.emu.failNext({ method: 'sendMessage', drop: true }));
  const long = Array.from({ length: 3 }, (_, i) => `Part ${i}: ${'word '.repeat(700)}`).join('\n\n');
  send({ id: 's2', conversation: { id: String(dm) }, text: long });
  const receipts = await booted.receipts.waitFor(2);
  expect(receipts[1]).toMatchObject({ ok: true, attempts: 2 });
  const pieces = t.emu.sent.slice(1).map((s) => s.text.slice(0, 7));
  expect(pieces).toEqual(['Part 0:', 'Part 1:', 'Part 2:']);
  expect(receipts[1]!.messageIds).toHaveLength(3);
});

test('telegram outbound - native payloads pass through; unsupported methods are refused', async () => {
  await start();
  send({
    id: 'n1',
    conversation: { id: String(dm) },
    native: { method: 'sendPhoto', photo: 'https://example.com/chart.png', caption: '<b>Q3</b>', parse_mode: 'HTML' },
  });
  send({ id: 'n2', conversation: { id: String(dm) }, native: { method: 'getUpdates' } });
  send({
    id: 'n3',
    conversation: { id: String(dm) },
    text: 'pick one',
    native: { reply_markup: { inline_keyboard: [[{ text: 'Yes', callback_data: 'y' }]] } },
  });
  const receipts = await booted.receipts.waitFor(3);
  const byId = (id: string) => receipts.find((r) => r.id === id)!;
  expect(byId('n1')).toMatchObject({ ok: true });
  expect(t.emu.sent[0]).toMatchObject({ method: 'sendphoto', text: 'Q3', entities: [{ type: 'bold', offset: 0, length: 2 }] });
  expect(byId('n2')).toMatchObject({ ok: false, error: { code: 'E_UNSUPPORTED' } });
  expect(t.emu.sent[1]!.params.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Yes', callback_data: 'y' }]] });
});

test('telegram outbound - a group that became a supergroup is written to at its new id', async () => {
  await start();
  const old = t.emu.group(bot, { title: 'Ops' });
  const next = t.emu.migrateChat(bot, old);
  send({ id: 'm1', conversation: { id: String(old.id) }, text: 'still reaches them' });
  const [r] = await booted.receipts.waitFor(1);
  expect(r).toMatchObject({ ok: true, messageIds: [`${next.id}:${t.emu.sent[0]!.messageId}`] });
  expect(t.emu.sent[0]!.chatId).toBe(next.id);
  expect(booted.logs.find((l) => String(l.msg).includes('supergroup'))).toMatchObject({ from: String(old.id), to: next.id });
});

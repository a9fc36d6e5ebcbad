import type { BotInfo, TelegramEmulator } from '.';
import { startWithBot } from './fixture';

let emu: TelegramEmulator;
let bot: BotInfo;

beforeEach(async () => {
  ({ emu, bot } = await startWithBot());
});
afterEach(() => emu.stop());

const call = (method: string, params: Record<string, unknown> = {}, signal?: AbortSignal) => emu.call(bot.token, method, params, signal);

test('telegram emulator - getMe, 401 for an unknown token, 404 for a malformed one or an unknown method', async () => {
  expect((await call('getMe')).body).toEqual({
    ok: true,
    result: expect.objectContaining({ id: bot.id, is_bot: true, username: 'data_bot', can_read_all_group_messages: true }),
  });
  expect((await call('GETME')).status).toBe(200);
  const other = await emu.call(`${bot.id}:${'x'.repeat(35)}`, 'getMe');
  expect(other).toEqual({ status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } });
  expect((await emu.call('not-a-token', 'getMe')).body).toEqual({ ok: false, error_code: 404, description: 'Not Found' });
  expect((await call('sendTelepathy')).status).toBe(404);
  emu.revokeToken(bot);
  expect((await call('getMe')).status).toBe(401);
});

test('telegram emulator - getUpdates holds a long poll until an update arrives, then offset confirms it', async () => {
  const user = emu.user({ firstName: 'Tom' });
  const chat = emu.privateChat(bot, user);
  const started = Date.now();
  const poll = call('getUpdates', { timeout: 10 });
  await emu.waitForPoll(bot);
  setTimeout(() => emu.userMessage(bot, { chat, from: user, text: 'hi' }), 150);
  const { body } = await poll;
  expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  expect(Date.now() - started).toBeLessThan(3000);
  const [u] = body.result as Array<{ update_id: number; message: { text: string; chat: { id: number } } }>;
  expect(u!.message).toMatchObject({ text: 'hi', chat: { id: user.id, type: 'private' } });
  // Not confirmed yet: the same update again.
  expect(((await call('getUpdates')).body.result as unknown[]).length).toBe(1);
  expect(emu.deliveries(bot, u!.update_id)).toBe(2);
  expect((await call('getUpdates', { offset: u!.update_id + 1 })).body.result).toEqual([]);
  expect(emu.pendingUpdates(bot)).toEqual([]);
});

test('telegram emulator - an empty long poll answers [] after its timeout; negative offsets keep the last updates', async () => {
  const started = Date.now();
  expect((await call('getUpdates', { timeout: 1 })).body).toEqual({ ok: true, result: [] });
  expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  const user = emu.user();
  const chat = emu.privateChat(bot, user);
  for (const t of ['a', 'b', 'c']) emu.userMessage(bot, { chat, from: user, text: t });
  const { body } = await call('getUpdates', { offset: -1 });
  expect((body.result as Array<{ message: { text: string } }>).map((u) => u.message.text)).toEqual(['c']);
});

test('telegram emulator - a second getUpdates terminates the held one with 409, as Telegram does', async () => {
  const first = call('getUpdates', { timeout: 20 });
  await emu.waitForPoll(bot);
  const second = call('getUpdates', { timeout: 1 });
  expect(await first).toEqual({
    status: 409,
    body: {
      ok: false,
      error_code: 409,
      description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    },
  });
  expect((await second).body).toEqual({ ok: true, result: [] });
  expect(emu.polls.map((p) => p.outcome)).toEqual(['conflict', 'empty']);
});

test('telegram emulator - a client that gives up its long poll is forgotten', async () => {
  const ac = new AbortController();
  const poll = call('getUpdates', { timeout: 20 }, ac.signal).catch((e: Error) => e);
  await emu.waitForPoll(bot);
  ac.abort();
  await poll;
  await new Promise((r) => setTimeout(r, 50));
  expect(emu.heldPoll(bot)).toBeUndefined();
  expect(emu.polls[0]!.outcome).toBe('aborted');
});

test('telegram emulator - webhooks: setWebhook needs https, makes getUpdates answer 409, deleteWebhook ends it', async () => {
  expect((await call('setWebhook', { url: 'http://example.com/hook' })).body).toEqual({
    ok: false,
    error_code: 400,
    description: 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook',
  });
  expect((await call('setWebhook', { url: 'https://example.com/hook' })).body).toEqual({
    ok: true,
    result: true,
    description: 'Webhook was set',
  });
  expect((await call('getWebhookInfo')).body.result).toMatchObject({ url: 'https://example.com/hook', pending_update_count: 0 });
  expect((await call('getUpdates')).body).toEqual({
    ok: false,
    error_code: 409,
    description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
  });
  expect((await call('deleteWebhook')).body).toEqual({ ok: true, result: true, description: 'Webhook was deleted' });
  expect((await call('deleteWebhook')).body).toEqual({ ok: true, result: true, description: 'Webhook is already deleted' });
  expect((await call('getWebhookInfo')).body.result).toEqual({ url: '', has_custom_certificate: false, pending_update_count: 0 });
});

test('telegram emulator - form and query parameters, allowed_updates as a JSON string', async () => {
  const user = emu.user();
  const chat = emu.privateChat(bot, user);
  const form = await fetch(`${emu.url}/bot${bot.token}/getUpdates?timeout=0`, {
    method: 'POST',
    body: new URLSearchParams({ allowed_updates: '["message"]' }),
  });
  expect(await form.json()).toEqual({ ok: true, result: [] });
  const { message } = emu.userMessage(bot, { chat, from: user, text: 'first' });
  expect(emu.editMessage(bot, chat, message.message_id, 'edited').update).toBeUndefined();
  const sent = await fetch(`${emu.url}/bot${bot.token}/sendMessage?chat_id=${chat.id}&text=${encodeURIComponent('via query')}`);
  expect(((await sent.json()) as { result: { text: string } }).result.text).toBe('via query');
});

test('telegram emulator - privacy mode: group messages reach the bot only as commands, mentions or replies to it', async () => {
  const shy = emu.addBot({ username: 'shy_bot' });
  const user = emu.user();
  const group = emu.group(shy, { title: 'Sales' });
  const delivered = (text: string, replyTo?: number) =>
    !!emu.userMessage(shy, { chat: group, from: user, text, ...(replyTo ? { replyTo } : {}) }).update;
  expect(delivered('hello all')).toBe(false);
  expect(delivered('@shy_bot hello')).toBe(true);
  expect(delivered('/start@shy_bot')).toBe(true);
  expect(delivered('/help@other_bot')).toBe(false);
  expect(delivered('answer', emu.botMessage(shy, group, 'question?').message_id)).toBe(true);
  expect(delivered('hello all', undefined)).toBe(false);
  expect(emu.userMessage(bot, { chat: emu.group(bot), from: user, text: 'hello all' }).update).toBeDefined();
});

test('telegram emulator - detected entities and media in user messages; topic messages answer the topic root', async () => {
  const user = emu.user();
  const forum = emu.group(bot, { forum: true, title: 'Support' });
  const { threadId } = emu.createTopic(bot, forum, 'Billing', user);
  const { message } = emu.userMessage(bot, {
    chat: forum,
    from: user,
    threadId,
    text: '/ask@data_bot see https://example.com #q1 @someone_else',
  });
  expect(message.entities!.map((e) => e.type)).toEqual(['bot_command', 'url', 'hashtag', 'mention']);
  expect(message).toMatchObject({
    message_thread_id: threadId,
    is_topic_message: true,
    reply_to_message: { message_id: threadId, forum_topic_created: { name: 'Billing' } },
  });
  const photo = emu.userMessage(bot, { chat: forum, from: user, threadId, media: { type: 'photo' }, caption: 'chart' }).message;
  expect((photo.photo as unknown[]).length).toBe(3);
  expect(photo.caption).toBe('chart');
});

describe('sendMessage', () => {
  let user: ReturnType<TelegramEmulator['user']>;
  let chat: number;
  beforeEach(() => {
    user = emu.user();
    chat = emu.privateChat(bot, user).id;
  });
  const send = (params: Record<string, unknown>) => call('sendMessage', { chat_id: chat, ...params });
  const description = async (params: Record<string, unknown>) => (await send(params)).body.description;

  test('telegram emulator - HTML: entities parsed, escapes decoded, a bare & kept, errors with byte offsets', async () => {
    const { body } = await send({
      text: '<b>Ü 42</b> &lt;script&gt; a & b <a href="https://x.io/?a=1&amp;b=2">link</a>\n<pre><code class="language-sql">select 1</code></pre>',
      parse_mode: 'HTML',
    });
    const msg = body.result as { text: string; entities: unknown[] };
    expect(msg.text).toBe('Ü 42 <script> a & b link\nselect 1');
    expect(msg.entities).toEqual([
      { type: 'bold', offset: 0, length: 4 },
      { type: 'text_link', offset: 20, length: 4, url: 'https://x.io/?a=1&b=2' },
      { type: 'pre', offset: 25, length: 8, language: 'sql' },
    ]);
    expect(await description({ text: 'Ü <script>x</script>', parse_mode: 'HTML' })).toBe(
      'Bad Request: can\'t parse entities: Unsupported start tag "script" at byte offset 3',
    );
    expect(await description({ text: '<b>bold', parse_mode: 'HTML' })).toBe(
      'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"',
    );
    expect(await description({ text: '<b>x</i>', parse_mode: 'HTML' })).toBe(
      'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 4, expected "</b>", found "</i>"',
    );
    expect(await description({ text: 'x </b>', parse_mode: 'HTML' })).toBe(
      "Bad Request: can't parse entities: Unexpected end tag at byte offset 2",
    );
    expect(await description({ text: '1 < 2', parse_mode: 'HTML' })).toBe(
      'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2',
    );
  });

  test('telegram emulator - MarkdownV2: reserved characters must be escaped; unclosed entities are named', async () => {
    const { body } = await send({
      text: '*bold* _it_ __u__ ~s~ `c\\`` [t](https://e.com/a\\)b) 1\\.5\n```py\nx = 1\n```',
      parse_mode: 'MarkdownV2',
    });
    const msg = body.result as { text: string; entities: Array<{ type: string; url?: string; language?: string }> };
    expect(msg.text).toBe('bold it u s c` t 1.5\nx = 1');
    expect(msg.entities.map((e) => e.type)).toEqual(['bold', 'italic', 'underline', 'strikethrough', 'code', 'text_link', 'pre']);
    expect(msg.entities.find((e) => e.type === 'text_link')!.url).toBe('https://e.com/a)b');
    expect(msg.entities.find((e) => e.type === 'pre')!.language).toBe('py');
    expect(await description({ text: 'v1.5', parse_mode: 'MarkdownV2' })).toBe(
      "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    expect(await description({ text: 'x *bold', parse_mode: 'MarkdownV2' })).toBe(
      "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 2",
    );
    expect(await description({ text: 'x', parse_mode: 'Textile' })).toBe('Bad Request: unsupported parse_mode');
  });

  test('telegram emulator - 4096 characters after entity parsing; empty text; chat not found', async () => {
    expect((await send({ text: `<b>${'a'.repeat(4096)}</b>`, parse_mode: 'HTML' })).status).toBe(200);
    expect(await description({ text: 'a'.repeat(4097) })).toBe('Bad Request: message is too long');
    expect(await description({ text: '   ' })).toBe('Bad Request: message text is empty');
    expect(await description({ text: '<b></b>', parse_mode: 'HTML' })).toBe('Bad Request: message text is empty');
    expect((await call('sendMessage', { chat_id: 42, text: 'x' })).body).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: chat not found',
    });
  });

  test('telegram emulator - replies: the message must exist unless allowed; a reply in a topic lands in the topic', async () => {
    const { message } = emu.userMessage(bot, { chat, from: user, text: 'question' });
    const reply = (await send({ text: 'answer', reply_parameters: { message_id: message.message_id } })).body.result as {
      reply_to_message: { text: string };
    };
    expect(reply.reply_to_message.text).toBe('question');
    expect(await description({ text: 'x', reply_parameters: { message_id: 999 } })).toBe('Bad Request: message to be replied not found');
    expect((await send({ text: 'x', reply_parameters: { message_id: 999, allow_sending_without_reply: true } })).status).toBe(200);
    const forum = emu.group(bot, { forum: true });
    const { threadId } = emu.createTopic(bot, forum, 'Billing', user);
    const asked = emu.userMessage(bot, { chat: forum, from: user, threadId, text: 'invoice?' }).message;
    const inTopic = (await call('sendMessage', { chat_id: forum.id, text: 'here', reply_parameters: { message_id: asked.message_id } }))
      .body.result;
    expect(inTopic).toMatchObject({ message_thread_id: threadId, is_topic_message: true });
    expect((await call('sendMessage', { chat_id: forum.id, text: 'x', message_thread_id: 777 })).body.description).toBe(
      'Bad Request: message thread not found',
    );
  });

  test('telegram emulator - blocked, never started, kicked and migrated chats answer like Telegram', async () => {
    emu.blockBot(bot, user);
    expect((await send({ text: 'x' })).body).toEqual({ ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    const stranger = emu.privateChat(bot, emu.user(), { started: false });
    expect((await call('sendMessage', { chat_id: stranger.id, text: 'x' })).body.description).toBe(
      "Forbidden: bot can't initiate conversation with a user",
    );
    const group = emu.group(bot);
    emu.kickBot(bot, group);
    expect((await call('sendMessage', { chat_id: group.id, text: 'x' })).body.description).toBe(
      'Forbidden: bot was kicked from the group chat',
    );
    const old = emu.group(bot);
    const next = emu.migrateChat(bot, old);
    expect((await call('sendMessage', { chat_id: old.id, text: 'x' })).body).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: group chat was upgraded to a supergroup chat',
      parameters: { migrate_to_chat_id: next.id },
    });
  });
});

test('telegram emulator - faults: 429 with retry_after, dropped connections, a proxy 502 page, latency', async () => {
  emu.failNext({ method: 'getMe', errorCode: 429, retryAfter: 3 });
  expect(await call('getMe')).toEqual({
    status: 429,
    body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } },
  });
  emu.failNext({ method: 'getMe', drop: true });
  await expect(call('getMe')).rejects.toThrow();
  emu.failNext({ method: 'getMe', html: 502 });
  const page = await call('getMe');
  expect(page.status).toBe(502);
  expect(String(page.body.raw)).toContain('nginx');
  emu.setLatency('getMe', 300);
  const started = Date.now();
  expect((await call('getMe')).status).toBe(200);
  expect(Date.now() - started).toBeGreaterThanOrEqual(290);
});

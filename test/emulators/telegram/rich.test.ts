import { createHash, randomBytes } from 'node:crypto';
import type { BotInfo, Chat, TelegramEmulator, User } from '.';
import { startWithBot } from './fixture';

let emu: TelegramEmulator;
let bot: BotInfo;
let tom: User;
let dm: Chat;
let group: Chat;

beforeEach(async () => {
  ({ emu, bot } = await startWithBot());
  tom = emu.user({ firstName: 'Tom' });
  dm = emu.privateChat(bot, tom);
  group = emu.group(bot, { type: 'supergroup' });
});
afterEach(() => emu.stop());

const call = (method: string, params: Record<string, unknown> = {}) => emu.call(bot.token, method, params);
const fail = (description: string, error_code = 400) => ({ ok: false, error_code, description });

async function upload(method: string, field: string, data: Buffer, extra: Record<string, string> = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  form.append(field, new Blob([data], { type: 'application/pdf' }), 'report.pdf');
  const res = await fetch(`${emu.url}/bot${bot.token}/${method}`, { method: 'POST', body: form });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test("telegram emulator - editMessageText: not modified, not found, not the bot's; 429 with retry_after past the group pace", async () => {
  emu.configure({ groupEdits: { limit: 1, windowMs: 2000 } });
  const sent = (await call('sendMessage', { chat_id: group.id, text: 'one' })).body.result as { message_id: number };
  expect((await call('editMessageText', { chat_id: group.id, message_id: sent.message_id, text: 'one' })).body).toEqual(
    fail(
      'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
    ),
  );
  expect((await call('editMessageText', { chat_id: group.id, message_id: sent.message_id, text: 'two' })).body.ok).toBe(true);
  const limited = await call('editMessageText', { chat_id: group.id, message_id: sent.message_id, text: 'three' });
  expect(limited).toEqual({ status: 429, body: { ...fail('Too Many Requests: retry after 2', 429), parameters: { retry_after: 2 } } });
  expect((await call('editMessageText', { chat_id: group.id, message_id: 999, text: 'x' })).body).toEqual(
    fail('Bad Request: message to edit not found'),
  );
  const theirs = emu.userMessage(bot, { chat: group, from: tom, text: 'mine' }).message;
  expect((await call('editMessageText', { chat_id: group.id, message_id: theirs.message_id, text: 'x' })).body).toEqual(
    fail("Bad Request: message can't be edited"),
  );
});

test('telegram emulator - deleteMessage within 48 hours only; drafts only in private chats; callback_data at most 64 bytes', async () => {
  const a = (await call('sendMessage', { chat_id: group.id, text: 'a' })).body.result as { message_id: number };
  emu.ageMessage(bot, group, a.message_id, 49);
  expect((await call('deleteMessage', { chat_id: group.id, message_id: a.message_id })).body).toEqual(
    fail("Bad Request: message can't be deleted for everyone"),
  );
  const b = (await call('sendMessage', { chat_id: group.id, text: 'b' })).body.result as { message_id: number };
  expect((await call('deleteMessage', { chat_id: group.id, message_id: b.message_id })).body).toEqual({ ok: true, result: true });
  expect((await call('deleteMessage', { chat_id: group.id, message_id: b.message_id })).body).toEqual(
    fail('Bad Request: message to delete not found'),
  );
  expect((await call('sendMessageDraft', { chat_id: group.id, draft_id: 1, text: 'hi' })).body).toEqual(
    fail('Bad Request: TEXTDRAFT_PEER_INVALID'),
  );
  expect((await call('sendMessageDraft', { chat_id: dm.id, draft_id: 7, text: 'hi' })).body).toEqual({ ok: true, result: true });
  expect(emu.draft(bot, dm)).toEqual({ draftId: 7, text: 'hi' });
  await call('sendMessage', { chat_id: dm.id, text: 'hi there' });
  expect(emu.draft(bot, dm)).toBeUndefined();
  const markup = (data: string) => ({ inline_keyboard: [[{ text: 'Go', callback_data: data }]] });
  expect((await call('sendMessage', { chat_id: dm.id, text: 'x', reply_markup: markup('é'.repeat(33)) })).body).toEqual(
    fail('Bad Request: BUTTON_DATA_INVALID'),
  );
  expect((await call('sendMessage', { chat_id: dm.id, text: 'x', reply_markup: markup('a'.repeat(64)) })).body.ok).toBe(true);
});

test("telegram emulator - a click is answered once within the deadline; reactions are checked against Telegram's list", async () => {
  const m = (
    await call('sendMessage', { chat_id: dm.id, text: 'ok?', reply_markup: { inline_keyboard: [[{ text: 'Yes', callback_data: 't1' }]] } })
  ).body.result as { message_id: number };
  const click = emu.users.click(bot, dm, m.message_id, { from: tom, label: 'Yes' });
  expect(click.update!.callback_query).toMatchObject({ id: click.id, from: tom, data: 't1', message: { message_id: m.message_id } });
  expect((await call('answerCallbackQuery', { callback_query_id: click.id })).body).toEqual({ ok: true, result: true });
  const again = await call('answerCallbackQuery', { callback_query_id: click.id });
  expect(again.body).toEqual(fail('Bad Request: query is too old and response timeout expired or query ID is invalid'));
  const react = (reaction: unknown) => call('setMessageReaction', { chat_id: dm.id, message_id: m.message_id, reaction });
  expect((await react([{ type: 'emoji', emoji: '✅' }])).body).toEqual(fail('Bad Request: REACTION_INVALID'));
  expect(
    (
      await react([
        { type: 'emoji', emoji: '👍' },
        { type: 'emoji', emoji: '🔥' },
      ])
    ).body,
  ).toEqual(fail('Bad Request: REACTIONS_TOO_MANY'));
  expect((await react([{ type: 'emoji', emoji: '👍' }])).body.ok).toBe(true);
  expect(emu.botReaction(bot, dm, m.message_id)).toEqual(['👍']);
  // Reactions of users reach the bot only when allowed_updates names message_reaction.
  expect(emu.users.react(bot, dm, m.message_id, tom, ['❤']).update).toBeUndefined();
  await call('getUpdates', { allowed_updates: ['message', 'message_reaction'] });
  expect(emu.users.react(bot, dm, m.message_id, tom, ['🔥']).update!.message_reaction).toMatchObject({
    old_reaction: [{ type: 'emoji', emoji: '❤' }],
    new_reaction: [{ type: 'emoji', emoji: '🔥' }],
  });
});

test('telegram emulator - files: a multipart upload is stored whole and served at /file/bot<token>/<path>; limits answer as Telegram does', async () => {
  const data = randomBytes(70_000);
  const { body } = await upload('sendDocument', 'document', data, { chat_id: String(dm.id), caption: 'Q3' });
  const doc = (body.result as { document: { file_id: string; file_size: number; file_name: string } }).document;
  expect(doc).toMatchObject({ file_size: data.length, file_name: 'report.pdf' });
  const file = (await call('getFile', { file_id: doc.file_id })).body.result as { file_path: string };
  const res = await fetch(`${emu.url}/file/bot${bot.token}/${file.file_path}`);
  expect(res.status).toBe(200);
  expect(
    createHash('sha256')
      .update(Buffer.from(await res.arrayBuffer()))
      .digest('hex'),
  ).toBe(createHash('sha256').update(data).digest('hex'));
  expect((await fetch(`${emu.url}/file/bot${bot.token}/documents/nope.pdf`)).status).toBe(404);
  emu.configure({ downloadLimit: 50_000, uploadLimit: 60_000, photoLimit: 10 });
  expect((await call('getFile', { file_id: doc.file_id })).body).toEqual(fail('Bad Request: file is too big'));
  expect(await upload('sendDocument', 'document', data, { chat_id: String(dm.id) })).toEqual({
    status: 413,
    body: fail('Request Entity Too Large', 413),
  });
  expect((await upload('sendPhoto', 'photo', randomBytes(100), { chat_id: String(dm.id) })).body).toEqual(
    fail('Bad Request: PHOTO_SAVE_FILE_INVALID'),
  );
  expect((await call('sendDocument', { chat_id: dm.id, document: 'BQAC-unknown' })).body).toEqual(
    fail('Bad Request: wrong file identifier/HTTP URL specified'),
  );
});

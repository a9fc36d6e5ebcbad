import type { InboundDraft, Part } from '../../core/plugin';
import { toDraft } from '../../plugins/telegram/inbound';
import type { Chat, Message, MessageEntity, User } from '../../plugins/telegram/types';

const BOT = { id: 7000, username: 'data_bot' };
const TOM: User = { id: 42, is_bot: false, first_name: 'Tom', last_name: 'Lee', username: 'tomlee' };
const DM: Chat = { id: 42, type: 'private', first_name: 'Tom' };
const GROUP: Chat = { id: -100123, type: 'supergroup', title: 'Sales' };

/** A message from Tom at unix time 1700000000, in the group unless `fields` say otherwise. */
const msg = (fields: Partial<Message>): Message => ({ message_id: 5, from: TOM, date: 1700000000, chat: GROUP, ...fields });
const entity = (type: string, offset: number, length: number, extra: Partial<MessageEntity> = {}): MessageEntity => ({
  type,
  offset,
  length,
  ...extra,
});

const text = (t: string): Part => ({ type: 'text', text: t });
const link = (url: string, label?: string): Part => ({ type: 'link', url, ...(label ? { text: label } : {}) });
const mention = (id: string, name: string, self = false): Part => ({ type: 'mention', id, name, self });
/** The bot mentioned by its @username. */
const SELF = mention('7000', 'data_bot', true);

const draftOf = (m: Message, edited = false): InboundDraft => {
  const d = toDraft(edited ? { update_id: 1, edited_message: m } : { update_id: 1, message: m }, BOT);
  if ('skip' in d) throw new Error(`skipped: ${d.skip}`);
  return d;
};

const e = entity;
const BOT_USER: User = { id: 7000, is_bot: true, first_name: 'Data Bot' };

/** [what, text of a group message, its entities, the parts, whether it mentions the bot] */
test.each<[string, string, MessageEntity[], Part[], boolean]>([
  ['plain text', 'how many?', [], [text('how many?')], false],
  ['its @username mentions the bot, in any case', '@Data_Bot how many?', [e('mention', 0, 9)], [SELF, text(' how many?')], true],
  ['another @username is a mention', 'cc @ann', [e('mention', 3, 4)], [text('cc '), mention('@ann', 'ann')], false],
  [
    'a text_mention of the bot',
    'Data Bot, status?',
    [e('text_mention', 0, 8, { user: BOT_USER })],
    [mention('7000', 'Data Bot', true), text(', status?')],
    true,
  ],
  [
    '/command@bot: the command, then the bot',
    '/report@data_bot weekly',
    [e('bot_command', 0, 16)],
    [text('/report'), SELF, text(' weekly')],
    true,
  ],
  ['a bare command in a group is for its bots', '/help', [e('bot_command', 0, 5)], [text('/help')], true],
  ['a command for another bot', '/help@other_bot', [e('bot_command', 0, 15)], [text('/help@other_bot')], false],
  ['a url', 'see https://e.com', [e('url', 4, 13)], [text('see '), link('https://e.com')], false],
  ['a text link', 'the docs', [e('text_link', 4, 4, { url: 'https://e.com/d' })], [text('the '), link('https://e.com/d', 'docs')], false],
  [
    'pre is a code part with its language',
    'run\nselect 1',
    [e('pre', 4, 8, { language: 'sql' })],
    [text('run\n'), { type: 'code', text: 'select 1', language: 'sql' }],
    false,
  ],
  ['inline code stays in its sentence', 'run ls now', [e('code', 4, 2)], [text('run `ls` now')], false],
  ['formatting entities stay plain text', 'very bold', [e('bold', 5, 4)], [text('very bold')], false],
  ['offsets in UTF-16 units (an emoji first)', '👍 @data_bot', [e('mention', 3, 9)], [text('👍 '), SELF], true],
  ['an entity past the end is ignored', 'short', [e('url', 2, 40)], [text('short')], false],
])('telegram toDraft - %s', (_what, body, entities, parts, mentioned) => {
  const d = draftOf(msg({ text: body, entities }));
  expect(d.parts).toEqual(parts);
  expect(d.mentioned).toBe(mentioned);
});

/** [what, the content fields of a direct message, the parts] */
test.each<[string, Partial<Message>, Part[]]>([
  [
    'a photo: its largest size, then the caption',
    { photo: [{ file_id: 'small' }, { file_id: 'large' }], caption: 'Q3 chart' },
    [{ type: 'image', ref: 'large' }, text('\nQ3 chart')],
  ],
  ['a voice note with its duration', { voice: { file_id: 'v1', duration: 3 } }, [{ type: 'audio', ref: 'v1', durationMs: 3000 }]],
  [
    'audio named by performer and title',
    { audio: { file_id: 'a1', performer: 'Band', title: 'Song' } },
    [{ type: 'audio', ref: 'a1', name: 'Band - Song' }],
  ],
  ['a location is named', { location: { latitude: 1, longitude: 2 } }, [text('[location message]')]],
])('telegram toDraft - %s', (_what, fields, parts) => {
  expect(draftOf(msg({ chat: DM, ...fields })).parts).toEqual(parts);
});

test('telegram toDraft - ids are <chat_id>:<message_id>; sender, chat name and time come along', () => {
  expect(draftOf(msg({ text: 'hi' }))).toMatchObject({
    messageId: '-100123:5',
    time: new Date(1700000000 * 1000),
    conversation: { id: '-100123', type: 'group', name: 'Sales' },
    sender: { id: '42', kind: 'user', name: 'Tom Lee' },
  });
});

test('telegram toDraft - a reply to the bot mentions it and carries replyTo', () => {
  const question = msg({ message_id: 3, from: { id: 7000, is_bot: true, first_name: 'Data Bot' }, text: 'Which region?' });
  const d = draftOf(msg({ text: 'north', reply_to_message: question }));
  expect(d.mentioned).toBe(true);
  expect(d.replyTo).toBe('-100123:3');
});

test('telegram toDraft - in a forum topic the thread is message_thread_id and the topic root is not a reply', () => {
  const root = msg({ message_id: 10, forum_topic_created: { name: 'Billing' } });
  const d = draftOf(msg({ text: 'invoice?', message_thread_id: 10, is_topic_message: true, reply_to_message: root }));
  expect(d.conversation).toMatchObject({ thread: '10' });
  expect(d.replyTo).toBeUndefined();
});

test('telegram toDraft - an edit gets an id of its own and the time of the edit', () => {
  const d = draftOf(msg({ text: 'meeting at 4', edit_date: 1700000300 }), true);
  expect(d.messageId).toBe('-100123:5:edit-1700000300');
  expect(d.time).toEqual(new Date(1700000300 * 1000));
});

test('telegram toDraft - a message sent on behalf of a chat is from that chat; one from a bot is from a bot', () => {
  expect(draftOf(msg({ text: 'news', sender_chat: { id: -100999, type: 'channel', title: 'News' } })).sender).toEqual({
    id: '-100999',
    kind: 'user',
    name: 'News',
  });
  expect(draftOf(msg({ text: 'beep', from: { id: 9, is_bot: true, first_name: 'Other', username: 'other_bot' } })).sender.kind).toBe('bot');
});

test.each<[string, Record<string, unknown>, string]>([
  ['a callback query', { update_id: 1, callback_query: {} }, 'update of type callback_query is not handled'],
  ['a channel post', { update_id: 1, message: msg({ chat: { id: -1, type: 'channel' }, text: 'x' }) }, 'channel posts are not handled'],
  ['a service message', { update_id: 1, message: msg({ new_chat_members: [] }) }, 'service message (no text or media)'],
  ['a message without a sender', { update_id: 1, message: msg({ from: undefined, text: 'x' }) }, 'message without a sender'],
])('telegram toDraft - skips %s, saying why', (_what, update, reason) => {
  expect(toDraft(update as Parameters<typeof toDraft>[0], BOT)).toEqual({ skip: reason });
});

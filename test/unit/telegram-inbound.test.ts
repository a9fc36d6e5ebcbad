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

const draftOf = (m: Message, edited = false): InboundDraft => {
  const d = toDraft(edited ? { update_id: 1, edited_message: m } : { update_id: 1, message: m }, BOT);
  if ('skip' in d) throw new Error(`skipped: ${d.skip}`);
  return d;
};

test.each<[string, Partial<Message>, Part[], boolean]>([
  ['plain text in a direct chat', { chat: DM, text: 'how many?' }, [{ type: 'text', text: 'how many?' }], false],
  [
    "the bot's @username is a self mention, matched without case",
    { text: '@Data_Bot how many?', entities: [entity('mention', 0, 9)] },
    [
      { type: 'mention', id: '7000', name: 'data_bot', self: true },
      { type: 'text', text: ' how many?' },
    ],
    true,
  ],
  [
    'another @username is a mention, not self',
    { text: 'cc @ann', entities: [entity('mention', 3, 4)] },
    [
      { type: 'text', text: 'cc ' },
      { type: 'mention', id: '@ann', name: 'ann', self: false },
    ],
    false,
  ],
  [
    'a text_mention of the bot',
    { text: 'Data Bot, status?', entities: [entity('text_mention', 0, 8, { user: { id: 7000, is_bot: true, first_name: 'Data Bot' } })] },
    [
      { type: 'mention', id: '7000', name: 'Data Bot', self: true },
      { type: 'text', text: ', status?' },
    ],
    true,
  ],
  [
    '/command@bot: the command as text, the bot as a mention',
    { text: '/report@data_bot weekly', entities: [entity('bot_command', 0, 16)] },
    [
      { type: 'text', text: '/report' },
      { type: 'mention', id: '7000', name: 'data_bot', self: true },
      { type: 'text', text: ' weekly' },
    ],
    true,
  ],
  [
    'a bare command in a group is addressed to the bots there',
    { text: '/help', entities: [entity('bot_command', 0, 5)] },
    [{ type: 'text', text: '/help' }],
    true,
  ],
  [
    'a command for another bot is not for this one',
    { text: '/help@other_bot', entities: [entity('bot_command', 0, 15)] },
    [{ type: 'text', text: '/help@other_bot' }],
    false,
  ],
  [
    'a url and a text link',
    { text: 'see https://e.com or docs', entities: [entity('url', 4, 13), entity('text_link', 21, 4, { url: 'https://e.com/docs' })] },
    [
      { type: 'text', text: 'see ' },
      { type: 'link', url: 'https://e.com' },
      { type: 'text', text: ' or ' },
      { type: 'link', url: 'https://e.com/docs', text: 'docs' },
    ],
    false,
  ],
  [
    'pre is a code part with its language; inline code stays in its sentence',
    { text: 'run ls now\nselect 1', entities: [entity('code', 4, 2), entity('pre', 11, 8, { language: 'sql' })] },
    [
      { type: 'text', text: 'run `ls` now\n' },
      { type: 'code', text: 'select 1', language: 'sql' },
    ],
    false,
  ],
  [
    'formatting entities stay plain text',
    { text: 'very bold', entities: [entity('bold', 5, 4)] },
    [{ type: 'text', text: 'very bold' }],
    false,
  ],
  [
    'offsets count UTF-16 units: an emoji before a mention',
    { text: '👍 @data_bot', entities: [entity('mention', 3, 9)] },
    [
      { type: 'text', text: '👍 ' },
      { type: 'mention', id: '7000', name: 'data_bot', self: true },
    ],
    true,
  ],
  [
    'an entity past the end of the text is ignored',
    { text: 'short', entities: [entity('url', 2, 40)] },
    [{ type: 'text', text: 'short' }],
    false,
  ],
  [
    'a photo with a caption: the largest size, the caption on its own line',
    { chat: DM, photo: [{ file_id: 'small' }, { file_id: 'large' }], caption: 'Q3 chart' },
    [
      { type: 'image', ref: 'large' },
      { type: 'text', text: '\nQ3 chart' },
    ],
    false,
  ],
  [
    'a voice note with its duration',
    { chat: DM, voice: { file_id: 'v1', duration: 3 } },
    [{ type: 'audio', ref: 'v1', durationMs: 3000 }],
    false,
  ],
  [
    'audio named by performer and title',
    { chat: DM, audio: { file_id: 'a1', performer: 'Band', title: 'Song' } },
    [{ type: 'audio', ref: 'a1', name: 'Band - Song' }],
    false,
  ],
  ['a location is named', { chat: DM, location: { latitude: 1, longitude: 2 } }, [{ type: 'text', text: '[location message]' }], false],
])('telegram toDraft - %s', (_what, fields, parts, mentioned) => {
  const d = draftOf(msg(fields));
  expect(d.parts).toEqual(parts);
  expect(d.mentioned).toBe(mentioned);
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

import { commandDraft, eventDrafts } from '../../plugins/telegram/inbound-events';
import type { Message, Update } from '../../plugins/telegram/types';

const bot = { id: 5001, username: 'data_bot' };
const tom = { id: 42, is_bot: false, first_name: 'Tom' };
const group = { id: -1001, type: 'supergroup' as const, title: 'Sales' };
const emoji = (e: string) => ({ type: 'emoji', emoji: e });

test('telegram events - a reaction update becomes one event per emoji added or taken off, neutral names where known', () => {
  const update = {
    update_id: 7,
    message_reaction: {
      chat: group,
      message_id: 9,
      user: tom,
      date: 1,
      old_reaction: [emoji('👍')],
      new_reaction: [emoji('❤'), emoji('🐳')],
    },
  } as Update;
  const drafts = eventDrafts(update, bot) as Array<{ eventKey: string; emoji: string; added: boolean; messageId: string }>;
  expect(drafts.map((d) => [d.eventKey, d.emoji, d.added, d.messageId])).toEqual([
    ['7.0', 'heart', true, '-1001:9'],
    ['7.1', '🐳', true, '-1001:9'],
    ['7.2', 'thumbsup', false, '-1001:9'],
  ]);
  expect(
    eventDrafts(
      { update_id: 8, message_reaction: { chat: group, message_id: 9, date: 1, old_reaction: [], new_reaction: [] } } as Update,
      bot,
    ),
  ).toBe('a reaction without a user');
});

test('telegram events - my_chat_member: added and removed are member events; rights changes and private blocks are not', () => {
  const change = (was: string, now: string, chat: object = group) =>
    eventDrafts(
      {
        update_id: 3,
        my_chat_member: {
          chat,
          from: tom,
          date: 1,
          old_chat_member: { status: was, user: { ...tom, id: bot.id, is_bot: true } },
          new_chat_member: { status: now, user: { ...tom, id: bot.id, is_bot: true } },
        },
      } as Update,
      bot,
    );
  expect(change('left', 'member')).toEqual([expect.objectContaining({ kind: 'member', change: 'bot_added', eventKey: '3' })]);
  expect(change('administrator', 'kicked')).toEqual([expect.objectContaining({ change: 'bot_removed' })]);
  expect(change('member', 'administrator')).toBe("the bot's rights changed (member → administrator)");
  expect(change('member', 'kicked', { id: 42, type: 'private' })).toBe('the user blocked the bot');
});

test('telegram events - a command for this bot is name and args; for another bot, or text that only contains one, it is not', () => {
  const msg = (text: string, length: number, offset = 0): Message =>
    ({ message_id: 1, date: 1, chat: group, from: tom, text, entities: [{ type: 'bot_command', offset, length }] }) as Message;
  const u = { update_id: 11 } as Update;
  expect(commandDraft(u, msg('/deploy@Data_Bot prod now', 16), bot)).toMatchObject({
    kind: 'command',
    name: 'deploy',
    args: 'prod now',
    eventKey: '11',
  });
  expect(commandDraft(u, msg('/deploy', 7), bot)).toMatchObject({ name: 'deploy', args: '' });
  expect(commandDraft(u, msg('/deploy@other_bot x', 17), bot)).toBeUndefined();
  expect(commandDraft(u, msg('please /deploy', 7, 7), bot)).toBeUndefined();
});

test('telegram events - a click is an action with the callback data as token and <chat>:<message> as the message', () => {
  const update = {
    update_id: 5,
    callback_query: { id: 'q1', from: tom, data: 'tok_123', message: { message_id: 4, date: 1, chat: group } },
  } as Update;
  expect(eventDrafts(update, bot)).toEqual([
    expect.objectContaining({
      kind: 'action',
      eventKey: '5',
      token: 'tok_123',
      messageId: '-1001:4',
      sender: { id: '42', kind: 'user', name: 'Tom' },
    }),
  ]);
  expect(eventDrafts({ update_id: 6, callback_query: { id: 'q2', from: tom, data: 'x' } } as Update, bot)).toBe(
    'a click on a message the bot cannot see (inline mode or too old)',
  );
});

import type { Part } from '../../core/plugin';
import type { SlackEvent } from '../../plugins/slack/connection';
import { namesNeeded, skipReason, toDraft, type MessageEvent } from '../../plugins/slack/inbound';

const BOT = 'U0BOT';
const NAMES = new Map([
  ['U0TOM', 'Tom'],
  ['U0ANN', 'Ann'],
  [BOT, 'Data Bot'],
]);

/** A message from Tom in channel C0SALES at ts 1700000000.000100. */
const message = (text: string, fields: Partial<MessageEvent> = {}): MessageEvent => ({
  type: 'message',
  channel: 'C0SALES',
  channel_type: 'channel',
  user: 'U0TOM',
  text,
  ts: '1700000000.000100',
  ...fields,
});

test.each<[string, string, Part[], boolean]>([
  ['plain text', 'how many?', [{ type: 'text', text: 'how many?' }], false],
  ['empty text gives no parts', '', [], false],
  ['entities are unescaped', 'a &lt; b &amp;&amp; c &gt; d', [{ type: 'text', text: 'a < b && c > d' }], false],
  [
    'the bot mentioned, by its name',
    `<@${BOT}> numbers?`,
    [
      { type: 'mention', id: BOT, name: 'Data Bot', self: true },
      { type: 'text', text: ' numbers?' },
    ],
    true,
  ],
  [
    'someone else mentioned, named from the directory over the label',
    'cc <@U0ANN|ann.ko>',
    [
      { type: 'text', text: 'cc ' },
      { type: 'mention', id: 'U0ANN', name: 'Ann', self: false },
    ],
    false,
  ],
  ['an unknown user keeps the label Slack sent', '<@U0NEW|newbie>', [{ type: 'mention', id: 'U0NEW', name: 'newbie', self: false }], false],
  [
    '@here mentions everyone',
    '<!here> standup',
    [
      { type: 'mention', id: 'all', name: 'here', self: false },
      { type: 'text', text: ' standup' },
    ],
    true,
  ],
  ['a user group reads as its label', 'ping <!subteam^S123|@oncall>', [{ type: 'text', text: 'ping @oncall' }], false],
  ['a channel reference reads as #name', 'see <#C0OPS|ops>', [{ type: 'text', text: 'see #ops' }], false],
  [
    'a link with a label',
    '<https://example.com/r?a=1&amp;b=2|the report>',
    [{ type: 'link', url: 'https://example.com/r?a=1&b=2', text: 'the report' }],
    false,
  ],
  ['a bare link', '<https://example.com>', [{ type: 'link', url: 'https://example.com' }], false],
  ['a mailto link', '<mailto:tom@example.com|Tom>', [{ type: 'link', url: 'mailto:tom@example.com', text: 'Tom' }], false],
  [
    'a code block, its entities unescaped and its fence newlines dropped',
    'run ```\nselect 1 &lt; 2\n``` ok',
    [
      { type: 'text', text: 'run ' },
      { type: 'code', text: 'select 1 < 2' },
      { type: 'text', text: ' ok' },
    ],
    false,
  ],
  ['a mention inside a code block stays code', '```<@U0ANN>```', [{ type: 'code', text: '<@U0ANN>' }], false],
])('slack toDraft - %s', (_what, text, parts, mentioned) => {
  const d = toDraft(message(text), BOT, NAMES);
  expect(d.parts).toEqual(parts);
  expect(d.mentioned).toBe(mentioned);
});

test('slack toDraft - the message id is <channel>:<ts>, the time is the ts, the sender is named', () => {
  expect(toDraft(message('hi'), BOT, NAMES)).toMatchObject({
    messageId: 'C0SALES:1700000000.000100',
    time: new Date(1700000000000),
    conversation: { id: 'C0SALES', type: 'group' },
    sender: { id: 'U0TOM', kind: 'user', name: 'Tom' },
  });
});

test('slack toDraft - a thread reply carries the thread and replyTo its parent; the parent itself does not', () => {
  const reply = toDraft(message('more', { thread_ts: '1699999999.000001' }), BOT, NAMES);
  expect(reply.conversation).toEqual({ id: 'C0SALES', type: 'group', thread: '1699999999.000001' });
  expect(reply.replyTo).toBe('C0SALES:1699999999.000001');
  const parent = toDraft(message('top', { thread_ts: '1700000000.000100' }), BOT, NAMES);
  expect(parent.conversation.thread).toBeUndefined();
  expect(parent.replyTo).toBeUndefined();
});

test('slack toDraft - a DM is direct by its channel type, or by a D channel id when the type is missing', () => {
  expect(toDraft(message('hi', { channel: 'D0TOM', channel_type: 'im' }), BOT, NAMES).conversation.type).toBe('direct');
  expect(toDraft(message('hi', { channel: 'D0TOM', channel_type: undefined }), BOT, NAMES).conversation.type).toBe('direct');
});

test('slack toDraft - files become parts by their type; a deleted file is left out', () => {
  const files = [
    { id: 'F1', name: 'chart.png', mimetype: 'image/png' },
    { id: 'F2', title: 'memo', mimetype: 'audio/mp4' },
    { id: 'F3', name: 'q3.pdf', mimetype: 'application/pdf' },
    { id: 'F4', mode: 'tombstone' },
  ];
  expect(toDraft(message('', { files }), BOT, NAMES).parts).toEqual([
    { type: 'image', ref: 'F1', name: 'chart.png' },
    { type: 'audio', ref: 'F2', name: 'memo' },
    { type: 'file', ref: 'F3', name: 'q3.pdf' },
  ]);
});

test('slack toDraft - a bot message is from a bot, named by its username', () => {
  const d = toDraft(message('build green', { subtype: 'bot_message', user: undefined, bot_id: 'B0CI', username: 'CI' }), BOT, NAMES);
  expect(d.sender).toEqual({ id: 'B0CI', kind: 'bot', name: 'CI' });
});

test.each<[string, object, string | undefined]>([
  ['a plain message is kept', message('hi'), undefined],
  ['a file share is kept', message('', { subtype: 'file_share' }), undefined],
  ['an app_mention is kept', { ...message('hi'), type: 'app_mention' }, undefined],
  ['an edit is skipped', message('x', { subtype: 'message_changed', hidden: true }), 'message subtype message_changed'],
  ['a join is skipped', message('x', { subtype: 'channel_join' }), 'message subtype channel_join'],
  ['another event type is skipped', { type: 'reaction_added' }, 'event type reaction_added'],
  ['a message without a ts is skipped', message('x', { ts: undefined }), 'event without channel or ts'],
  ['a message without a sender is skipped', message('x', { user: undefined }), 'event without a sender'],
])('slack skipReason - %s', (_what, event, reason) => {
  expect(skipReason(event as SlackEvent)).toBe(reason);
});

test('slack namesNeeded - the sender and everyone mentioned, once each; not a bot sender', () => {
  expect(namesNeeded(message('<@U0ANN> and <@U0ANN|ann>, <@W0EXT>'))).toEqual(['U0ANN', 'W0EXT', 'U0TOM']);
  expect(namesNeeded(message('hi', { bot_id: 'B0CI' }))).toEqual([]);
});

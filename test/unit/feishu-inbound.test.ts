import type { InboundDraft, Part } from '../../core/plugin';
import { toDraft, type ReceiveEvent } from '../../plugins/feishu/inbound';

const BOT = 'ou_bot';

/** A receive event from user ou_tom in chat oc_1 with this message type and content. */
const event = (type: string, content: unknown, message: ReceiveEvent['message'] = {}): ReceiveEvent => ({
  event_id: 'ev_1',
  sender: { sender_id: { open_id: 'ou_tom' }, sender_type: 'user' },
  message: { message_id: 'om_1', chat_id: 'oc_1', chat_type: 'group', message_type: type, content: JSON.stringify(content), ...message },
});

const draftOf = (e: ReceiveEvent): InboundDraft => {
  const d = toDraft(e, BOT);
  if ('skip' in d) throw new Error(`skipped: ${d.skip}`);
  return d;
};

const mention = (key: string, openId: string, name: string) => ({ key, id: { open_id: openId }, name });

test.each<[string, ReceiveEvent, Part[], boolean]>([
  ['plain text stays one text part', event('text', { text: 'how many?' }), [{ type: 'text', text: 'how many?' }], false],
  ['empty text gives no parts', event('text', { text: '' }), [], false],
  [
    'a placeholder of the bot becomes a self mention and marks the message mentioned',
    event('text', { text: '@_user_1 report' }, { mentions: [mention('@_user_1', BOT, 'Data Bot')] }),
    [
      { type: 'mention', id: BOT, name: 'Data Bot', self: true },
      { type: 'text', text: ' report' },
    ],
    true,
  ],
  [
    'a placeholder of someone else is a mention that is not self',
    event('text', { text: 'cc @_user_1' }, { mentions: [mention('@_user_1', 'ou_ann', 'Ann')] }),
    [
      { type: 'text', text: 'cc ' },
      { type: 'mention', id: 'ou_ann', name: 'Ann', self: false },
    ],
    false,
  ],
  [
    '@_all mentions everyone, the bot included',
    event('text', { text: '@_all standup' }),
    [
      { type: 'mention', id: 'all', name: 'all', self: false },
      { type: 'text', text: ' standup' },
    ],
    true,
  ],
  [
    'a placeholder without its mention entry keeps its key as the name',
    event('text', { text: 'hi @_user_9' }),
    [
      { type: 'text', text: 'hi ' },
      { type: 'mention', id: '@_user_9', name: '_user_9', self: false },
    ],
    false,
  ],
  ['an image is its image key', event('image', { image_key: 'img_v2_1' }), [{ type: 'image', ref: 'img_v2_1' }], false],
  [
    'a file keeps its name',
    event('file', { file_key: 'file_1', file_name: 'q3.pdf' }),
    [{ type: 'file', ref: 'file_1', name: 'q3.pdf' }],
    false,
  ],
  [
    'audio keeps its duration in ms',
    event('audio', { file_key: 'file_2', duration: 1500 }),
    [{ type: 'audio', ref: 'file_2', durationMs: 1500 }],
    false,
  ],
  ['a shared user card is a share', event('share_user', { user_id: 'ou_ann' }), [{ type: 'share', kind: 'user', id: 'ou_ann' }], false],
  [
    'a forwarded card gives its title and the text of its elements',
    event('interactive', { header: { title: { content: 'Alert' } }, elements: [{ tag: 'div', text: { content: 'disk full' } }] }),
    [{ type: 'card', title: 'Alert', text: 'disk full' }],
    false,
  ],
  ['an unknown message type is named', event('hologram', {}), [{ type: 'text', text: '[hologram message]' }], false],
  [
    'content that is not JSON reads as empty',
    { ...event('text', {}), message: { ...event('text', {}).message, content: '{oops' } },
    [],
    false,
  ],
])('feishu toDraft - %s', (_what, e, parts, mentioned) => {
  const d = draftOf(e);
  expect(d.parts).toEqual(parts);
  expect(d.mentioned).toBe(mentioned);
});

test.each<[string, unknown, Part[]]>([
  [
    'title, text and a link, one line per paragraph',
    {
      title: 'Weekly',
      content: [
        [
          { tag: 'text', text: 'see ' },
          { tag: 'a', href: 'https://example.com/r', text: 'report' },
        ],
        [{ tag: 'text', text: 'thanks' }],
      ],
    },
    [
      { type: 'text', text: 'Weekly\nsee ' },
      { type: 'link', url: 'https://example.com/r', text: 'report' },
      { type: 'text', text: '\nthanks' },
    ],
  ],
  [
    'a code block with its language in lower case',
    { content: [[{ tag: 'code_block', language: 'Python', text: 'print(1)' }]] },
    [{ type: 'code', text: 'print(1)', language: 'python' }],
  ],
  [
    'an at by open id mentions that user; the bot is self',
    {
      content: [
        [
          { tag: 'at', user_id: BOT, user_name: 'Data Bot' },
          { tag: 'text', text: ' and ' },
          { tag: 'at', user_id: 'ou_ann', user_name: 'Ann' },
        ],
      ],
    },
    [
      { type: 'mention', id: BOT, name: 'Data Bot', self: true },
      { type: 'text', text: ' and ' },
      { type: 'mention', id: 'ou_ann', name: 'Ann', self: false },
    ],
  ],
  [
    'an at of all mentions everyone',
    { content: [[{ tag: 'at', user_id: 'all' }]] },
    [{ type: 'mention', id: 'all', name: 'all', self: false }],
  ],
  [
    'images, media, emoji and a rule',
    {
      content: [
        [{ tag: 'img', image_key: 'img_1' }, { tag: 'emotion', emoji_type: 'SMILE' }, { tag: 'hr' }, { tag: 'media', file_key: 'file_v' }],
      ],
    },
    [
      { type: 'image', ref: 'img_1' },
      { type: 'text', text: ':SMILE:\n---\n' },
      { type: 'video', ref: 'file_v' },
    ],
  ],
  [
    'a body wrapped in a locale key',
    { zh_cn: { title: '周报', content: [[{ tag: 'text', text: '数据' }]] } },
    [{ type: 'text', text: '周报\n数据' }],
  ],
  ['an empty post gives no parts', { content: [] }, []],
  ['a node of an unknown tag keeps its text', { content: [[{ tag: 'sparkle', text: 'shiny' }]] }, [{ type: 'text', text: 'shiny' }]],
])('feishu post - %s', (_what, post, parts) => {
  expect(draftOf(event('post', post)).parts).toEqual(parts);
});

test('feishu toDraft - a direct chat, thread and reply, time and sender', () => {
  const d = draftOf(
    event('text', { text: 'again' }, { chat_type: 'p2p', thread_id: 'omt_1', parent_id: 'om_0', create_time: '1700000000123' }),
  );
  expect(d).toMatchObject({
    messageId: 'om_1',
    conversation: { id: 'oc_1', type: 'direct', thread: 'omt_1' },
    sender: { id: 'ou_tom', kind: 'user' },
    replyTo: 'om_0',
    time: new Date(1700000000123),
  });
});

test('feishu toDraft - a sender of type app is a bot; a union id stands in for a missing open id', () => {
  const e = event('text', { text: 'beep' });
  expect(draftOf({ ...e, sender: { sender_id: { union_id: 'on_1' }, sender_type: 'app' } }).sender).toEqual({ id: 'on_1', kind: 'bot' });
});

test.each<[string, ReceiveEvent, string]>([
  ['no message id', { ...event('text', {}), message: { chat_id: 'oc_1' } }, 'event without message_id or chat_id'],
  ['no chat id', { ...event('text', {}), message: { message_id: 'om_1' } }, 'event without message_id or chat_id'],
  ['no sender id', { ...event('text', {}), sender: { sender_type: 'user' } }, 'event without a sender id'],
])('feishu toDraft - skips an event with %s, saying why', (_what, e, reason) => {
  expect(toDraft(e, BOT)).toEqual({ skip: reason });
});

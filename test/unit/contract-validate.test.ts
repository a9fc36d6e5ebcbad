import { checkInbound, checkOutbound } from '../../core/contract/validate';

const target = { conversation: { id: 'oc_1' } };

test.each<[string, unknown]>([
  ['text to a conversation', { v: 1, id: 'reply-1', ...target, text: 'hi' }],
  ['without v (means 1)', { id: 'reply-1', ...target, text: 'hi' }],
  ['a reply with only replyTo', { id: 'reply-1', replyTo: 'om_1', text: 'hi', format: 'markdown' }],
  ['a native payload without text', { id: 'reply-1', ...target, native: { msg_type: 'interactive' } }],
  ['an id of 64 characters', { id: 'x'.repeat(64), ...target, text: 'hi' }],
])('contract - checkOutbound accepts %s', (_what, envelope) => {
  expect(checkOutbound(envelope)).toEqual({ ok: true, value: envelope });
});

test.each<[string, unknown, string]>([
  ['a string', 'hello', 'the envelope must be a JSON object, got string'],
  ['null', null, 'the envelope must be a JSON object, got null'],
  ['an array', [1], 'the envelope must be a JSON object, got an array'],
  ['no id', { ...target, text: 'hi' }, 'missing required field "id"'],
  ['an empty id', { id: '', ...target, text: 'hi' }, 'field "id" must NOT have fewer than 1 characters'],
  ['an id over 64 characters', { id: 'x'.repeat(65), ...target, text: 'hi' }, 'field "id" must NOT have more than 64 characters'],
  ['no target', { id: 'r', text: 'hi' }, 'missing target: set "conversation.id" or "replyTo"'],
  ['no body', { id: 'r', ...target }, 'missing body: set "text" (or "native" for a platform payload, "attachments" for files)'],
  ['a blank text', { id: 'r', ...target, text: ' \n\t ' }, 'field "text" is empty: no platform sends a blank message'],
  ['text that is not a string', { id: 'r', ...target, text: 42 }, 'field "text" must be string'],
  ['a misspelt field', { id: 'r', ...target, txt: 'hi' }, 'unknown field "txt" (did you mean "text"?)'],
  ['an unknown format', { id: 'r', ...target, text: 'hi', format: 'html' }, 'field "format" must be one of "plain", "markdown"'],
  ['another version', { v: 2, id: 'r', ...target, text: 'hi' }, 'field "v" must be 1'],
  [
    'an empty conversation id',
    { id: 'r', conversation: { id: '' }, text: 'hi' },
    'field "conversation.id" must NOT have fewer than 1 characters',
  ],
  ['a conversation given as a string', { id: 'r', conversation: 'oc_1', text: 'hi' }, 'field "conversation" must be object'],
  [
    'a misspelt conversation key',
    { id: 'r', conversation: { idd: 'oc_1' }, text: 'hi' },
    'missing required field "conversation.id"; unknown field "conversation.idd" (did you mean "id"?)',
  ],
  ['native that is not an object', { id: 'r', replyTo: 'om_1', native: [1] }, 'field "native" must be object'],
])('contract - checkOutbound refuses %s', (_what, envelope, message) => {
  expect(checkOutbound(envelope)).toEqual({ ok: false, message });
});

const inbound = {
  v: 1,
  kind: 'message',
  id: 'feishu:default:om_1',
  channel: 'feishu',
  account: 'default',
  time: '2026-11-21T08:30:00.000Z',
  conversation: { id: 'oc_1', type: 'group', thread: 'omt_1' },
  sender: { id: 'ou_1', name: 'Tom', kind: 'user' },
  message: {
    id: 'om_1',
    text: '@Data Bot hi',
    parts: [
      { type: 'mention', id: 'ou_bot', name: 'Data Bot', self: true },
      { type: 'text', text: ' hi' },
    ],
    mentioned: true,
    replyTo: 'om_0',
  },
  session: 'feishu:default:oc_1:ou_1',
};
const withParts = (...parts: unknown[]) => ({ ...inbound, message: { ...inbound.message, parts } });

test('contract - checkInbound accepts a complete message envelope', () => {
  expect(checkInbound(inbound)).toEqual({ ok: true, value: inbound });
});

test('contract - checkInbound accepts every part type', () => {
  const parts = [
    { type: 'text', text: 'a' },
    { type: 'mention', id: 'all', name: 'everyone', self: false },
    { type: 'link', url: 'https://example.com', text: 'site' },
    { type: 'code', text: 'ls', language: 'sh' },
    ...['image', 'file', 'audio', 'video', 'sticker'].map((type) => ({ type, ref: 'key_1', name: 'n' })),
    { type: 'audio', ref: 'key_2', durationMs: 3000 },
    { type: 'share', kind: 'chat', id: 'oc_2', name: 'Sales' },
    { type: 'card', title: 'Weekly', text: '42' },
  ];
  expect(checkInbound(withParts(...parts)).ok).toBe(true);
});

test.each<[string, unknown, string]>([
  ['a time that is not ISO 8601', { ...inbound, time: 'yesterday' }, 'field "time" must match format "date-time"'],
  [
    'a channel that is not a subject token',
    { ...inbound, channel: 'fei shu' },
    'field "channel" must match pattern "^[A-Za-z0-9_-]{1,64}$"',
  ],
  [
    'an unknown conversation type',
    { ...inbound, conversation: { id: 'oc_1', type: 'channel' } },
    'field "conversation.type" must be one of "direct", "group"',
  ],
  ['no session', { ...inbound, session: undefined }, 'missing required field "session"'],
  ['an extra field', { ...inbound, extra: 1 }, 'unknown field "extra"'],
  ['a mention without self', withParts({ type: 'mention', id: 'ou_2', name: 'Ann' }), 'missing required field "message.parts[0].self"'],
  ['an image without ref', withParts({ type: 'text', text: 'see' }, { type: 'image' }), 'missing required field "message.parts[1].ref"'],
  [
    'an unknown part type',
    withParts({ type: 'gif', ref: 'k' }),
    'field "message.parts[0].type" must be one of "text", "mention", "link", "code", "image", "file", "audio", "video", "sticker", "share", "card"',
  ],
  ['a part without type', withParts({ text: 'a' }), 'missing required field "message.parts[0].type"'],
  ['an empty link url', withParts({ type: 'link', url: '' }), 'field "message.parts[0].url" must NOT have fewer than 1 characters'],
])('contract - checkInbound refuses %s', (_what, envelope, message) => {
  expect(checkInbound(envelope)).toEqual({ ok: false, message });
});

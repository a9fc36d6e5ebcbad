import type { InboundEnvelope, Receipt } from '../../core/contract/schemas';
import { eventually } from '../support';
import { bootFeishu, textEvent, type FeishuApp } from '../support/feishu';
import { useGatewayTest, type Booted } from '../support/fixture';

const t = useGatewayTest({ emulator: 'feishu', scope: 'file' });
let gw: Booted;
let app: FeishuApp;

beforeAll(async () => {
  ({ gw, app } = await bootFeishu(t));
});

const C = 'oc_0a1b2c3d';
/** An outbound envelope to chat C (as JSON) with these fields. */
const env = (id: string, fields: Record<string, unknown>) => JSON.stringify({ id, conversation: { id: C }, ...fields });
let deep: unknown = { leaf: true };
for (let i = 0; i < 2000; i++) deep = { n: deep };

/** [name, subject suffix, payload, expected receipt code or 'ok', text the error message must contain] */
const CASES: Array<[string, string, string | Uint8Array, string, string?]> = [
  ['not JSON', 'feishu.default', '{"id": "x", ', 'E_SCHEMA', 'not JSON'],
  ['empty payload', 'feishu.default', '', 'E_SCHEMA', 'not JSON'],
  ['null', 'feishu.default', 'null', 'E_SCHEMA', 'must be a JSON object'],
  ['a number', 'feishu.default', '42', 'E_SCHEMA', 'must be a JSON object'],
  ['a string', 'feishu.default', '"hello"', 'E_SCHEMA', 'must be a JSON object'],
  ['an array', 'feishu.default', '[]', 'E_SCHEMA', 'an array'],
  ['empty object', 'feishu.default', '{}', 'E_SCHEMA', 'missing required field "id"'],
  ['id is a number', 'feishu.default', JSON.stringify({ id: 7, conversation: { id: C }, text: 'x' }), 'E_SCHEMA', '"id" must be string'],
  ['id is empty', 'feishu.default', env('', { text: 'x' }), 'E_SCHEMA', '"id"'],
  ['id over 64 characters', 'feishu.default', env('x'.repeat(65), { text: 'x' }), 'E_SCHEMA', '"id"'],
  ['no target', 'feishu.default', JSON.stringify({ id: 'b-target', text: 'x' }), 'E_SCHEMA', 'conversation.id'],
  [
    'conversation not an object',
    'feishu.default',
    JSON.stringify({ id: 'b-conv', conversation: C, text: 'x' }),
    'E_SCHEMA',
    '"conversation" must be object',
  ],
  [
    'conversation.id empty',
    'feishu.default',
    JSON.stringify({ id: 'b-convid', conversation: { id: '' }, text: 'x' }),
    'E_SCHEMA',
    'conversation.id',
  ],
  [
    'conversation.id a number',
    'feishu.default',
    JSON.stringify({ id: 'b-convnum', conversation: { id: 5 }, text: 'x' }),
    'E_SCHEMA',
    'conversation.id',
  ],
  ['text a number', 'feishu.default', env('b-textnum', { text: 5 }), 'E_SCHEMA', '"text" must be string'],
  ['no body', 'feishu.default', env('b-nobody', {}), 'E_SCHEMA', 'missing body'],
  ['unknown format', 'feishu.default', env('b-format', { text: 'x', format: 'html' }), 'E_SCHEMA', '"format" must be one of'],
  ['wrong version', 'feishu.default', JSON.stringify({ v: 2, id: 'b-v', conversation: { id: C }, text: 'x' }), 'E_SCHEMA', '"v"'],
  ['misspelt field', 'feishu.default', env('b-typo', { txt: 'x' }), 'E_SCHEMA', 'did you mean "text"'],
  ['native a string', 'feishu.default', env('b-native-s', { native: 'card' }), 'E_SCHEMA', '"native" must be object'],
  ['native an array', 'feishu.default', env('b-native-a', { native: [] }), 'E_SCHEMA', '"native" must be object'],
  ['replyTo a number', 'feishu.default', JSON.stringify({ id: 'b-reply', replyTo: 5, text: 'x' }), 'E_SCHEMA', '"replyTo" must be string'],
  ['native without msg_type', 'feishu.default', env('b-native-nomsg', { native: { content: { text: 'x' } } }), 'E_SCHEMA', 'msg_type'],
  [
    'native content not JSON',
    'feishu.default',
    env('b-native-str', { native: { msg_type: 'text', content: '{oops' } }),
    'E_SCHEMA',
    'not JSON',
  ],
  ['native nested 2000 levels', 'feishu.default', env('b-deep', { native: deep }), 'E_SCHEMA', 'msg_type'],
  [
    '1 MB native payload',
    'feishu.default',
    env('b-huge-native', {
      native: { msg_type: 'interactive', content: { body: { elements: [{ tag: 'markdown', content: 'x'.repeat(1_000_000) }] } } },
    }),
    'E_TOO_LARGE',
    'Feishu accepts at most',
  ],
  ['whitespace-only text', 'feishu.default', env('b-blank', { text: '   \n ' }), 'E_SCHEMA', 'empty'],
  ['unknown id kind', 'feishu.default', JSON.stringify({ id: 'b-idkind', conversation: { id: 'room-42' }, text: 'x' }), 'E_SCHEMA', 'oc_'],
  ['unknown account', 'feishu.nobody', env('b-acct', { text: 'x' }), 'E_UNKNOWN_ACCOUNT', 'no enabled instance'],
  ['unknown channel', 'slackish.default', env('b-chan', { text: 'x' }), 'E_UNKNOWN_ACCOUNT', 'no enabled instance'],
  ['subject with an extra token', 'feishu.default.extra', env('b-subj', { text: 'x' }), 'E_UNKNOWN_ACCOUNT', 'is not'],
  ['huge text (400 KB) is split, not refused', 'feishu.default', env('ok-huge', { text: 'line of text\n'.repeat(32_000) }), 'ok'],
  ['control characters', 'feishu.default', env('ok-ctrl', { text: 'bell\u0007 nul\u0000 esc\u001b' }), 'ok'],
  [
    'invalid UTF-8 bytes',
    'feishu.default',
    Buffer.concat([
      Buffer.from('{"id":"ok-utf8","conversation":{"id":"oc_0a1b2c3d"},"text":"bad '),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]),
    'ok',
  ],
  [
    'duplicate keys (last wins)',
    'feishu.default',
    '{"id":"ok-dupkey","conversation":{"id":"oc_0a1b2c3d"},"text":"first","text":"second"}',
    'ok',
  ],
];

test('bad input - at least 30 malformed outbound payloads each get their documented receipt and the gateway keeps serving', async () => {
  expect(CASES.length).toBeGreaterThanOrEqual(30);
  const receipts = await t.collect<Receipt & { subject?: string }>(`${gw.prefix}.receipt.>`);
  const heapBefore = process.memoryUsage().heapUsed;
  for (const [, subject, payload] of CASES) gw.publish(subject, payload);
  await receipts.waitFor(CASES.length, 30_000);
  const byId = new Map(receipts.items.filter((r) => r.id !== undefined).map((r) => [r.id, r]));
  const anonymous = receipts.items.filter((r) => r.id === undefined);
  let anonymousUsed = 0;
  for (const [name, , payload, expected, contains] of CASES) {
    let id: string | undefined;
    try {
      const v = JSON.parse(Buffer.from(payload).toString()) as { id?: unknown };
      if (typeof v?.id === 'string') id = v.id;
    } catch {
      // not JSON: its receipt has no id
    }
    const receipt = id !== undefined ? byId.get(id) : anonymous[anonymousUsed++];
    expect({ name, receipt: receipt ? (receipt.ok ? 'ok' : receipt.error!.code) : 'none' }).toEqual({ name, receipt: expected });
    if (contains) expect({ name, message: receipt!.error!.message }).toEqual({ name, message: expect.stringContaining(contains) });
  }
  // Still serving: a good envelope after the flood is delivered.
  gw.publish('feishu.default', { id: 'after-flood', conversation: { id: C }, text: 'still here' });
  await eventually(() => receipts.items.some((r) => r.id === 'after-flood' && r.ok), 'the envelope after the flood');
  // The 400 KB text went out as several messages, each under Feishu's 150 KB text limit.
  expect(t.emu.sent.filter((s) => (s.content as { text?: string }).text?.startsWith('line of text')).length).toBeGreaterThanOrEqual(3);
  process.stdout.write(
    `bad input: ${CASES.length} payloads, ${receipts.items.length - 1} receipts, heap ${(heapBefore / 1e6).toFixed(1)} → ${(process.memoryUsage().heapUsed / 1e6).toFixed(1)} MB\n`,
  );
}, 60_000);

test('bad input - malformed platform events are skipped with a log line, acknowledged, and do not stop the channel', async () => {
  const inbox = await t.collect<InboundEnvelope>(`${gw.prefix}.in.>`);
  const good = textEvent(t.emu, app, 'fine', { chatId: C, senderOpenId: 'ou_ok' });
  const header = { ...good.header };
  const bad: Array<[string, unknown]> = [
    ['no message', { schema: '2.0', header: { ...header, event_id: 'e1' }, event: { sender: good.event.sender } }],
    [
      'no sender id',
      {
        schema: '2.0',
        header: { ...header, event_id: 'e2' },
        event: {
          ...good.event,
          sender: { sender_type: 'user' },
          message: { ...(good.event.message as object), message_id: 'om_nosender' },
        },
      },
    ],
    [
      'content not JSON',
      {
        schema: '2.0',
        header: { ...header, event_id: 'e3' },
        event: { ...good.event, message: { ...(good.event.message as object), message_id: 'om_badcontent', content: '{broken' } },
      },
    ],
    [
      'unknown message type',
      {
        schema: '2.0',
        header: { ...header, event_id: 'e4' },
        event: {
          ...good.event,
          message: { ...(good.event.message as object), message_id: 'om_unknown', message_type: 'hologram', content: '{}' },
        },
      },
    ],
    [
      'mentions not a list',
      {
        schema: '2.0',
        header: { ...header, event_id: 'e5' },
        event: { ...good.event, message: { ...(good.event.message as object), message_id: 'om_mentions', mentions: 'nope' } },
      },
    ],
    ['unknown event type', { schema: '2.0', header: { ...header, event_id: 'e6', event_type: 'im.chat.disbanded_v1' }, event: {} }],
  ];
  for (const [name, event] of bad) {
    const ack = await t.emu.pushEvent(app.appId, event);
    expect({ name, code: ack.code }).toEqual({ name, code: 200 });
  }
  expect((await t.emu.pushEvent(app.appId, good)).code).toBe(200);
  await eventually(() => inbox.items.some((e) => e.message.text === 'fine'), 'the good message after the bad ones');
  const texts = inbox.items.map((e) => e.message.text);
  expect(texts).toEqual(expect.arrayContaining(['[hologram message]', 'fine']));
  expect(gw.logs.raw.filter((l) => l.includes('Feishu event skipped')).length).toBeGreaterThanOrEqual(2);
}, 30_000);

import { buildEnvelope, isMentioned, sessionKey } from '../../core/delivery/envelope';
import type { InboundDraft } from '../../core/plugin/types';

const draft = (type: 'direct' | 'group', thread?: string): InboundDraft => ({
  messageId: 'om_1',
  conversation: { id: 'oc_1', type, ...(thread ? { thread } : {}) },
  sender: { id: 'ou_7' },
  parts: [{ type: 'text', text: 'hi' }],
});

type Policy = 'conversation' | 'sender' | 'thread' | undefined;

test.each<[Policy, InboundDraft, string]>([
  [undefined, draft('direct'), 'feishu:default:oc_1'],
  [undefined, draft('group'), 'feishu:default:oc_1:ou_7'],
  [undefined, draft('group', 'omt_9'), 'feishu:default:oc_1:ou_7'],
  ['conversation', draft('group'), 'feishu:default:oc_1'],
  ['conversation', draft('direct'), 'feishu:default:oc_1'],
  ['sender', draft('group'), 'feishu:default:user:ou_7'],
  ['sender', draft('direct'), 'feishu:default:user:ou_7'],
  ['thread', draft('group', 'omt_9'), 'feishu:default:oc_1:thread:omt_9'],
  ['thread', draft('group'), 'feishu:default:oc_1:ou_7'],
  ['thread', draft('direct'), 'feishu:default:oc_1'],
])('session - policy %s for %o gives %s', (policy, d, expected) => {
  expect(sessionKey('feishu', 'default', policy, d)).toBe(expected);
});

test('session - the envelope carries the session, rendered text and mention flag', () => {
  const d: InboundDraft = {
    messageId: 'om_2',
    time: '2026-11-21T08:30:00Z',
    conversation: { id: 'oc_1', type: 'group' },
    sender: { id: 'ou_7', name: 'Tom' },
    parts: [
      { type: 'mention', id: 'ou_bot', name: 'Bot', self: true },
      { type: 'text', text: ' hi' },
    ],
    raw: { event: 1 },
  };
  expect(isMentioned(d)).toBe(true);
  expect(isMentioned({ ...d, mentioned: false })).toBe(false);
  const env = buildEnvelope('feishu', 'default', { session: 'conversation', includeRaw: false }, d);
  expect(env).toEqual({
    v: 1,
    kind: 'message',
    id: 'feishu:default:om_2',
    channel: 'feishu',
    account: 'default',
    time: '2026-11-21T08:30:00.000Z',
    conversation: { id: 'oc_1', type: 'group' },
    sender: { id: 'ou_7', name: 'Tom', kind: 'user' },
    message: { id: 'om_2', text: '@Bot hi', parts: d.parts, mentioned: true },
    session: 'feishu:default:oc_1',
  });
  expect(buildEnvelope('feishu', 'default', { includeRaw: true }, d).raw).toEqual({ event: 1 });
});

import { decideAccess, type AccessDecision } from '../../core/delivery/access';
import type { InboundDraft } from '../../core/plugin/types';

const draft = (type: 'direct' | 'group', sender: string): InboundDraft => ({
  messageId: 'm1',
  conversation: { id: type === 'direct' ? 'dm' : 'grp', type },
  sender: { id: sender },
  parts: [{ type: 'text', text: 'hi' }],
});

type Row = [string, string[] | undefined, 'mention' | 'open' | 'off', 'direct' | 'group', string, boolean, AccessDecision];

const PASS: AccessDecision = { allowed: true };
const drop = (reason: Extract<AccessDecision, { allowed: false }>['reason']): AccessDecision => ({ allowed: false, reason });

test.each<Row>([
  ['no allowFrom lets everyone in a direct chat', undefined, 'mention', 'direct', 'ou_any', false, PASS],
  ['"*" lets everyone in', ['*'], 'mention', 'direct', 'ou_any', false, PASS],
  ['a listed sender passes', ['ou_boss'], 'mention', 'direct', 'ou_boss', false, PASS],
  ['an unlisted sender is dropped', ['ou_boss'], 'open', 'direct', 'ou_other', false, drop('not-in-allowFrom')],
  [
    'an unlisted sender is dropped in a group even when mentioned',
    ['ou_boss'],
    'open',
    'group',
    'ou_other',
    true,
    drop('not-in-allowFrom'),
  ],
  ['an empty allowFrom lets nobody in', [], 'open', 'direct', 'ou_boss', false, drop('not-in-allowFrom')],
  ['mention: a group message that mentions the bot passes', undefined, 'mention', 'group', 'ou_any', true, PASS],
  ['mention: a group message without a mention is dropped', undefined, 'mention', 'group', 'ou_any', false, drop('not-mentioned')],
  ['open: every group message passes', undefined, 'open', 'group', 'ou_any', false, PASS],
  ['off: no group message passes, mentioned or not', undefined, 'off', 'group', 'ou_any', true, drop('group-policy-off')],
  ['off: direct chats still pass', undefined, 'off', 'direct', 'ou_any', false, PASS],
])('access - %s', (_what, allowFrom, groupPolicy, type, sender, mentioned, expected) => {
  const entry = allowFrom === undefined ? { groupPolicy } : { allowFrom, groupPolicy };
  expect(decideAccess(entry, draft(type, sender), mentioned)).toEqual(expected);
});

test.each<[string, string[] | undefined, 'direct' | 'group', string, boolean, boolean]>([
  ['pairing: an unset allowFrom lets nobody in who was not approved', undefined, 'direct', 'ou_new', false, false],
  ['pairing: an approved sender passes', undefined, 'direct', 'ou_ok', true, true],
  ['pairing: an approved sender passes in a group too', ['ou_boss'], 'group', 'ou_ok', true, true],
  ['pairing: a listed sender needs no approval', ['ou_boss'], 'direct', 'ou_boss', false, true],
  ['pairing: "*" still lets everyone in', ['*'], 'direct', 'ou_any', false, true],
])('access - %s', (_what, allowFrom, type, sender, approved, allowed) => {
  const entry = { dmPolicy: 'pairing' as const, groupPolicy: 'open' as const, ...(allowFrom ? { allowFrom } : {}) };
  expect(decideAccess(entry, draft(type, sender), false, (id) => approved && id === sender).allowed).toBe(allowed);
});

test('access - with dmPolicy open, approvals are not consulted: allowFrom alone decides', () => {
  expect(
    decideAccess({ groupPolicy: 'open', allowFrom: ['ou_boss'], dmPolicy: 'open' }, draft('direct', 'ou_ok'), false, () => true),
  ).toEqual(drop('not-in-allowFrom'));
});

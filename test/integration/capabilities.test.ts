import { resolve } from 'node:path';
import { Kvm } from '@nats-io/kv';
import type { InboundAny, Receipt } from '../../core/contract/schemas';
import { DeliveryError } from '../../core/errors';
import { LOOPBACK_PATH, loopback, loopbackConfig } from '../support';
import { useGatewayTest } from '../support/fixture';
import { uniquePrefix } from '../support/nats-server';
import { rich, world } from '../support/rich-plugin';

const RICH = resolve(__dirname, '../support/rich-plugin.ts');

const t = useGatewayTest();
afterEach(() => world.reset());

async function boot(entry: string) {
  const gw = await t.boot(loopbackConfig(t.nats.url, uniquePrefix(), entry));
  const inbox = await t.collect<InboundAny>(`${gw.prefix}.in.>`);
  const out = (account: string, channel: string) => (env: Record<string, unknown>) => gw.publish(`${channel}.${account}`, env);
  return { gw, prefix: gw.prefix, receipts: gw.receipts, inbox, out };
}

const byId = (receipts: Receipt[], id: string) => receipts.filter((r) => r.id === id);

/** A question with two buttons: one styled and with a value, one with neither. */
const DEPLOY = {
  text: 'Deploy?',
  actions: [
    { id: 'yes', label: 'Approve', style: 'primary', value: 'deploy:42' },
    { id: 'no', label: 'Reject' },
  ],
};

test('streaming - 100 frames published at once reach the platform as a handful of edits; the final content is exact; one receipt each', async () => {
  const { receipts, out } = await boot(`  - use: ${RICH}\n    editDelayMs: 40\n`);
  const send = out('default', 'rich');
  send({ id: 's1', conversation: { id: 'c1' }, stream: true, text: '' });
  let text = '';
  for (let i = 1; i <= 100; i++) {
    text += `w${i} `;
    send({ id: `s1.${i}`, edit: 's1', text });
  }
  send({ id: 's1.done', edit: 's1', done: true, text: `${text}end` });
  send({ id: 'after', conversation: { id: 'c1' }, text: 'next message' });
  const all = await receipts.waitFor(103);
  expect(all.every((r) => r.ok)).toBe(true);
  expect(new Set(all.map((r) => r.id)).size).toBe(103);
  const frames = all.filter((r) => r.id?.startsWith('s1.') && r.id !== 's1.done');
  const superseded = frames.filter((r) => r.superseded);
  expect(superseded.length).toBeGreaterThan(50);
  const [streamed] = [...world.messages.values()].filter((m) => m.text.endsWith('end'));
  expect(streamed!.text).toBe(`${text}end`);
  expect(streamed!.streaming).toBe(false);
  expect(world.editCalls).toBeLessThan(50);
  expect(world.editCalls).toBe(streamed!.edits);
  // Every frame's receipt names the one platform message the stream is.
  for (const r of all.filter((x) => x.id?.startsWith('s1'))) expect(r.messageIds).toEqual([streamed!.id]);
  // The next message of the conversation went out after the stream's last frame.
  const order = all.map((r) => r.id);
  expect(order.indexOf('after')).toBeGreaterThan(order.indexOf('s1.done'));
});

test('streaming - the platform state returned by send and each edit comes back with the next edit', async () => {
  const { receipts, out } = await boot(`  - use: ${RICH}\n`);
  const send = out('default', 'rich');
  send({ id: 'h1', conversation: { id: 'c1' }, stream: true, text: 'a' });
  await receipts.waitFor(1);
  send({ id: 'h1.1', edit: 'h1', text: 'ab' });
  await receipts.waitFor(2);
  send({ id: 'h1.2', edit: 'h1', done: true, text: 'abc' });
  await receipts.waitFor(3);
  const m = [...world.messages.values()][0]!;
  expect(m).toMatchObject({ text: 'abc', edits: 2, streaming: false, lastHandle: { frames: 1 } });
});

test('degradation - a channel without edits shows only the final frame, as one message under the stream id; frames get superseded receipts', async () => {
  const { receipts, out } = await boot(`  - use: ${LOOPBACK_PATH}\n`);
  const send = out('default', 'loopback');
  send({ id: 'd1', conversation: { id: 'c1' }, stream: true, text: '' });
  send({ id: 'd1.1', edit: 'd1', text: 'partial' });
  send({ id: 'd1.2', edit: 'd1', done: true, text: 'the whole answer' });
  const all = await receipts.waitFor(3);
  expect(byId(all, 'd1')[0]).toMatchObject({ ok: true, superseded: true, messageIds: [] });
  expect(byId(all, 'd1.1')[0]).toMatchObject({ ok: true, superseded: true });
  const done = byId(all, 'd1.2')[0]!;
  expect(done).toMatchObject({ ok: true });
  const sent = loopback.get().sent;
  expect(sent.map((s) => s.envelope)).toEqual([
    expect.objectContaining({ id: 'd1', text: 'the whole answer', conversation: { id: 'c1' } }),
  ]);
  expect(done.messageIds).toEqual(['lb_1']);
  expect(sent[0]!.envelope).not.toHaveProperty('edit');
});

test('degradation - edits, deletes, reactions and typing a channel lacks end in E_UNSUPPORTED; buttons become a numbered list', async () => {
  const { receipts, out } = await boot(`  - use: ${LOOPBACK_PATH}\n`);
  const send = out('default', 'loopback');
  send({ id: 'm1', conversation: { id: 'c1' }, ...DEPLOY });
  send({ id: 'e1', edit: 'm1', text: 'changed' });
  send({ id: 'x1', delete: 'm1' });
  send({ id: 'r1', react: { messageId: 'lb_1', emoji: 'thumbsup' } });
  send({ id: 't1', typing: true, conversation: { id: 'c1' } });
  const all = await receipts.waitFor(5);
  expect(byId(all, 'm1')[0]).toMatchObject({ ok: true });
  expect(loopback.get().sent[0]!.envelope).toMatchObject({ text: 'Deploy?\n\n1. Approve\n2. Reject' });
  expect(loopback.get().sent[0]!.envelope).not.toHaveProperty('actions');
  for (const id of ['e1', 'x1', 'r1', 't1'])
    expect(byId(all, id)[0]).toMatchObject({ ok: false, error: { code: 'E_UNSUPPORTED', retryable: false } });
  expect(byId(all, 'e1')[0]!.error!.message).toBe('loopback cannot edit a message once sent: send a new message instead');
});

test('edit and delete - name the envelope that created the message; an unknown one is E_SCHEMA; an edit after delete E_UNSUPPORTED', async () => {
  const { receipts, out } = await boot(`  - use: ${RICH}\n`);
  const send = out('default', 'rich');
  send({ id: 'p1', conversation: { id: 'c1' }, text: 'first' });
  send({ id: 'p1e', edit: 'p1', text: 'second' });
  send({ id: 'nope', edit: 'never-sent', text: 'x' });
  send({ id: 'p1x', delete: 'p1' });
  send({ id: 'p1e2', edit: 'p1', text: 'third' });
  const all = await receipts.waitFor(5);
  const m = [...world.messages.values()][0]!;
  expect(m).toMatchObject({ text: 'second', deleted: true });
  expect(byId(all, 'p1e')[0]).toMatchObject({ ok: true, messageIds: [m.id] });
  expect(byId(all, 'nope')[0]).toMatchObject({ ok: false, error: { code: 'E_SCHEMA' } });
  expect(byId(all, 'nope')[0]!.error!.message).toMatch(/envelope "never-sent" created no message/);
  expect(byId(all, 'p1x')[0]).toMatchObject({ ok: true });
  expect(byId(all, 'p1e2')[0]).toMatchObject({
    ok: false,
    error: { code: 'E_UNSUPPORTED', message: '"edit": the message of envelope "p1" was deleted' },
  });
});

test('envelopes - what goes together is checked: one operation per envelope, done only with edit', async () => {
  const { receipts, out } = await boot(`  - use: ${RICH}\n`);
  const send = out('default', 'rich');
  send({ id: 'b1', edit: 'a', delete: 'a' });
  send({ id: 'b2', conversation: { id: 'c' }, text: 'x', done: true });
  send({ id: 'b3', react: { messageId: 'm', emoji: 'eyes' }, text: 'hi' });
  send({ id: 'b4', typing: true });
  send({ id: 'b5', edit: 'a', text: 'x', attachments: [{ object: 'o', kind: 'file' }] });
  const all = await receipts.waitFor(5);
  expect(all.map((r) => [r.id, r.error?.code, r.error?.message])).toEqual([
    ['b1', 'E_SCHEMA', '"edit" and "delete" cannot go in one envelope: send one envelope for each'],
    ['b2', 'E_SCHEMA', 'field "done" needs "edit": a stream is opened with "stream": true and its frames name it in "edit"'],
    ['b3', 'E_SCHEMA', 'field "react" goes alone: remove "text"'],
    ['b4', 'E_SCHEMA', 'missing target: "typing" needs "conversation.id" or "replyTo"'],
    ['b5', 'E_SCHEMA', 'field "attachments" cannot go with "edit": send the files in a new message'],
  ]);
});

test('actions - a click comes back with the button id, value and envelope; forged, moved and replaced buttons are refused', async () => {
  const { gw, receipts, inbox, out } = await boot(`  - use: ${RICH}\n    allowFrom: ["u1"]\n`);
  const send = out('default', 'rich');
  send({ id: 'ask', conversation: { id: 'c1' }, ...DEPLOY });
  await receipts.waitFor(1);
  const m = [...world.messages.values()][0]!;
  expect(m.buttons.map((b) => [b.id, b.label, b.style])).toEqual([
    ['yes', 'Approve', 'primary'],
    ['no', 'Reject', 'default'],
  ]);
  const [yes, no] = m.buttons;
  expect(yes!.token).toMatch(/^[A-Za-z0-9_-]{22}$/);
  const click = (eventKey: string, token: string, extra: Record<string, unknown> = {}) =>
    rich.get().receive({
      kind: 'action',
      eventKey,
      token,
      messageId: m.id,
      conversation: { id: 'c1', type: 'group' },
      sender: { id: 'u1' },
      ...extra,
    } as never);

  expect(await click('ev1', yes!.token)).toMatchObject({ outcome: 'stored', id: 'rich:default:ev1' });
  expect(await click('ev1', yes!.token)).toMatchObject({ outcome: 'duplicate' });
  expect(await click('ev2', 'forgedtoken0000000000x')).toMatchObject({
    outcome: 'denied',
    reason: expect.stringMatching(/^unknown or expired button/),
  });
  expect(await click('ev3', no!.token, { messageId: 'rm_other' })).toMatchObject({
    outcome: 'denied',
    reason: 'the button belongs to another message',
  });
  expect(await click('ev4', no!.token, { sender: { id: 'stranger' } })).toMatchObject({ outcome: 'denied', reason: 'not-in-allowFrom' });
  send({ id: 'ask.e', edit: 'ask', text: 'Approved by u1' });
  await receipts.waitFor(2);
  expect(await click('ev5', no!.token)).toMatchObject({
    outcome: 'denied',
    reason: 'the button is no longer on the message (an edit replaced it)',
  });
  expect(gw.logs.messages().filter((l) => l.startsWith('button click refused:'))).toHaveLength(3);

  const [action] = await inbox.waitFor(1);
  expect(action).toMatchObject({
    kind: 'action',
    id: 'rich:default:ev1',
    conversation: { id: 'c1', type: 'group' },
    sender: { id: 'u1', kind: 'user' },
    action: { id: 'yes', value: 'deploy:42', messageId: m.id, envelope: 'ask' },
  });
  // A barrier: a message after the refused clicks arrives, and nothing else did before it.
  await rich.get().receive({
    messageId: 'barrier',
    conversation: { id: 'c1', type: 'direct' },
    sender: { id: 'u1' },
    parts: [{ type: 'text', text: 'b' }],
  });
  await inbox.waitFor(2);
  expect(inbox.items.map((e) => e.id)).toEqual(['rich:default:ev1', 'rich:default:barrier']);
});

test('actions - more buttons than the channel shows is E_UNSUPPORTED naming its limit', async () => {
  const { receipts, out } = await boot(`  - use: ${RICH}\n`);
  out(
    'default',
    'rich',
  )({ id: 'many', conversation: { id: 'c' }, text: 'pick', actions: ['a', 'b', 'c', 'd'].map((id) => ({ id, label: id })) });
  const [r] = await receipts.waitFor(1);
  expect(r).toMatchObject({
    ok: false,
    error: {
      code: 'E_UNSUPPORTED',
      message: 'rich shows at most 3 buttons under a message; this one has 4: send fewer, or split them over messages',
    },
  });
});

test('events - only the kinds in events: are published; the default takes messages, actions and commands', async () => {
  const { inbox } = await boot(
    `  - use: ${RICH}\n    account: dflt\n  - use: ${RICH}\n    account: all\n    events: [message, reaction, member, recall]\n`,
  );
  const base = { conversation: { id: 'c1', type: 'group' as const }, sender: { id: 'u1' } };
  for (const account of ['dflt', 'all']) {
    const r = rich.get(account);
    await r.receive({ kind: 'reaction', eventKey: `re-${account}`, emoji: 'thumbsup', messageId: 'm1', added: true, ...base });
    await r.receive({ kind: 'member', eventKey: `mb-${account}`, change: 'bot_added', ...base });
    await r.receive({ kind: 'recall', eventKey: `rc-${account}`, messageId: 'm1', ...base });
    await r.receive({ kind: 'command', eventKey: `cm-${account}`, name: '/deploy', args: 'prod now', ...base });
    await r.receive({ messageId: `barrier-${account}`, ...base, parts: [{ type: 'mention', id: 'bot', name: 'bot', self: true }] });
  }
  await inbox.waitFor(6);
  const got = inbox.items.map((e) => `${e.account}:${e.kind}`);
  expect(got.sort()).toEqual(['all:member', 'all:message', 'all:reaction', 'all:recall', 'dflt:command', 'dflt:message'].sort());
  expect(inbox.items.find((e) => e.kind === 'command')).toMatchObject({ command: { name: 'deploy', args: 'prod now' } });
  expect(inbox.items.find((e) => e.kind === 'reaction')).toMatchObject({
    id: 'rich:all:re-all',
    reaction: { emoji: 'thumbsup', messageId: 'm1', added: true },
  });
});

test('reactions and typing - reach the plugin as asked', async () => {
  const { receipts, out } = await boot(`  - use: ${RICH}\n`);
  const send = out('default', 'rich');
  send({ id: 'r1', react: { messageId: 'om_1', emoji: 'eyes' } });
  send({ id: 'r2', react: { messageId: 'om_1', emoji: 'eyes', remove: true } });
  send({ id: 't1', typing: true, conversation: { id: 'c9' } });
  const all = await receipts.waitFor(3);
  expect(all.every((r) => r.ok)).toBe(true);
  expect(world.reactions).toEqual([
    { messageId: 'om_1', emoji: 'eyes', remove: false },
    { messageId: 'om_1', emoji: 'eyes', remove: true },
  ]);
  expect(world.typing).toEqual(['c9']);
});

test('capabilities - are published with the instance status in the KV bucket', async () => {
  const { prefix } = await boot(`  - use: ${RICH}\n`);
  const kv = await new Kvm(t.nc).open(`${prefix}_status`);
  const value = (await kv.get('rich.default'))!.json<{ state: string; capabilities: Record<string, unknown> }>();
  // The manifest's declaration with the defaults filled in: messages are always among the events.
  expect(value.capabilities).toMatchObject({ streaming: 'native', edit: true, delete: true, actions: { max: 3 } });
  expect(value.capabilities.events).toEqual(['message', 'action', 'command', 'reaction', 'member', 'recall']);
  expect(value.capabilities.media).toEqual({ kinds: ['image', 'file'], maxBytes: { image: 1024 * 1024 } });
});

test('retries - a frame that fails retryably is tried again; the platform sees it once', async () => {
  const { receipts, out } = await boot(`  - use: ${RICH}\n`);
  const send = out('default', 'rich');
  send({ id: 'q1', conversation: { id: 'c1' }, stream: true, text: 'x' });
  await receipts.waitFor(1);
  const adapter = rich.get();
  const edit = adapter.edit.bind(adapter);
  let failures = 1;
  adapter.edit = async (...args) => {
    if (failures-- > 0) throw DeliveryError.retryable('503 from the platform', { platformCode: 503 });
    return edit(...args);
  };
  send({ id: 'q1.1', edit: 'q1', done: true, text: 'xy' });
  await receipts.waitFor(2);
  expect(byId(receipts.items, 'q1.1')[0]).toMatchObject({ ok: true, attempts: 2 });
  expect([...world.messages.values()][0]).toMatchObject({ text: 'xy', edits: 1 });
});

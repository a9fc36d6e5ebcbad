import type { InboundMember, InboundReaction, InboundRecall } from '../../../core/contract/schemas';
import { eventually } from '../../support';
import { slackRig, type SlackRun } from './rig';

const rig = slackRig();
const EVENTS = '    events: [message, action, command, reaction, member, recall]\n';

/** Tom writes in the DM; resolves the message's ts once stored. */
async function said(r: SlackRun, text = 'hello') {
  const m = r.emu.post({ channel: r.ws.dm, user: r.ws.tom.id, text });
  await m.deliveries;
  return m.ts;
}

/** A message after everything before it: once its envelope is in, so are the events sent earlier. */
async function barrier(r: SlackRun) {
  await said(r, 'barrier');
  await eventually(() => r.inbox.items.some((e) => e.kind === 'message' && e.message.text === 'barrier'), 'the barrier message');
}

test('slack events - the bot reacts with neutral names mapped to Slack emoji, takes them back, and refuses unknown ones', async () => {
  const r = await rig.boot();
  const ts = await said(r);
  const messageId = `${r.ws.dm}:${ts}`;
  r.send({ id: 'r1', react: { messageId, emoji: 'thumbsup' } });
  r.send({ id: 'r2', react: { messageId, emoji: 'check' } });
  r.send({ id: 'r3', react: { messageId, emoji: 'tada' } });
  r.send({ id: 'r4', react: { messageId, emoji: 'thumbsup' } });
  for (const id of ['r1', 'r2', 'r3', 'r4']) expect(await r.receipt(id)).toMatchObject({ ok: true });
  expect([...r.emu.message(r.ws.dm, ts)!.reactions.keys()]).toEqual(['+1', 'white_check_mark', 'tada']);
  r.send({ id: 'r5', react: { messageId, emoji: 'check', remove: true } });
  r.send({ id: 'r6', react: { messageId, emoji: 'check', remove: true } });
  r.send({ id: 'r7', react: { messageId, emoji: 'no_such_emoji' } });
  expect(await r.receipt('r5')).toMatchObject({ ok: true });
  expect(await r.receipt('r6')).toMatchObject({ ok: true });
  const unknown = await r.receipt('r7');
  expect(unknown).toMatchObject({ ok: false, error: { code: 'E_UNSUPPORTED', platformCode: 'invalid_name' } });
  expect(unknown.error!.message).toContain('thumbsup, thumbsdown, eyes');
  expect([...r.emu.message(r.ws.dm, ts)!.reactions.keys()]).toEqual(['+1', 'tada']);
});

test('slack events - reactions people add and remove are reaction events with neutral names; the bot own are not', async () => {
  const r = await rig.boot({ extra: EVENTS });
  const ts = await said(r);
  await r.emu.react({ channel: r.ws.dm, ts, user: r.ws.tom.id, name: '+1' });
  await r.emu.react({ channel: r.ws.dm, ts, user: r.ws.tom.id, name: 'rocket' });
  await r.emu.react({ channel: r.ws.dm, ts, user: r.ws.tom.id, name: '+1', remove: true });
  r.send({ id: 'own', react: { messageId: `${r.ws.dm}:${ts}`, emoji: 'eyes' } });
  await r.receipt('own');
  await barrier(r);
  const reactions = r.inbox.items.filter((e): e is InboundReaction => e.kind === 'reaction');
  expect(reactions.map((e) => [e.reaction.emoji, e.reaction.added, e.sender.id])).toEqual([
    ['thumbsup', true, r.ws.tom.id],
    ['rocket', true, r.ws.tom.id],
    ['thumbsup', false, r.ws.tom.id],
  ]);
  expect(reactions[0]).toMatchObject({
    conversation: { id: r.ws.dm, type: 'direct' },
    sender: { name: 'Tom' },
    reaction: { messageId: `${r.ws.dm}:${ts}` },
  });
  expect(reactions[0]!.id).toMatch(/^slack:default:Ev/);
});

test('slack events - without reaction in events:, reactions are not published', async () => {
  const r = await rig.boot();
  const ts = await said(r);
  await r.emu.react({ channel: r.ws.dm, ts, user: r.ws.tom.id, name: 'fire' });
  await barrier(r);
  expect(r.inbox.items.map((e) => e.kind)).toEqual(['message', 'message']);
});

test('slack events - typing is a reaction on the message answered, removed when the answer goes out', async () => {
  const r = await rig.boot();
  const ts = await said(r, 'numbers please');
  r.send({ id: 't1', typing: true, conversation: { id: r.ws.dm }, replyTo: `${r.ws.dm}:${ts}` });
  await r.receipt('t1');
  expect([...r.emu.message(r.ws.dm, ts)!.reactions]).toEqual([['hourglass_flowing_sand', [r.ws.app.botUserId]]]);
  r.send({ id: 'a1', conversation: { id: r.ws.dm }, replyTo: `${r.ws.dm}:${ts}`, text: '42' });
  await r.receipt('a1');
  expect(r.emu.message(r.ws.dm, ts)!.reactions.size).toBe(0);
  expect(r.calls('reactions.add', 'reactions.remove', 'chat.postMessage')).toEqual([
    'reactions.add',
    'reactions.remove',
    'chat.postMessage',
  ]);
  // Without replyTo, the latest message received there carries it.
  const later = await said(r, 'and last week?');
  r.send({ id: 't2', typing: true, conversation: { id: r.ws.dm } });
  await r.receipt('t2');
  expect([...r.emu.message(r.ws.dm, later)!.reactions.keys()]).toEqual(['hourglass_flowing_sand']);
  r.send({ id: 't3', typing: true, conversation: { id: r.ws.channel } });
  expect(await r.receipt('t3')).toMatchObject({ ok: false, error: { code: 'E_SCHEMA' } });
});

test('slack events - an assistant app shows typing as the thread status, which its answer clears', async () => {
  const r = await rig.boot({ assistant: true, extra: '    assistant: true\n' });
  const ts = await said(r, 'numbers please');
  r.send({ id: 't1', typing: true, conversation: { id: r.ws.dm }, replyTo: `${r.ws.dm}:${ts}` });
  await r.receipt('t1');
  expect(r.emu.statusOf(r.ws.dm, ts)).toBe('is thinking…');
  expect(r.emu.message(r.ws.dm, ts)!.reactions.size).toBe(0);
  r.send({ id: 'a1', conversation: { id: r.ws.dm }, replyTo: `${r.ws.dm}:${ts}`, text: '42' });
  await r.receipt('a1');
  expect(r.emu.statusOf(r.ws.dm, ts)).toBe('');
  expect(r.calls('assistant.threads.setStatus')).toHaveLength(1);
});

test('slack events - an assistant status the app may not set is a failed receipt naming the fix', async () => {
  const r = await rig.boot({ extra: '    assistant: true\n' });
  const ts = await said(r);
  r.send({ id: 't1', typing: true, conversation: { id: r.ws.dm }, replyTo: `${r.ws.dm}:${ts}` });
  const receipt = await r.receipt('t1');
  expect(receipt).toMatchObject({ ok: false, error: { platformCode: 'missing_scope' } });
  expect(receipt.error!.message).toContain('assistant:write');
});

test('slack events - members: the bot added and removed, people joining and leaving, the DM opened', async () => {
  const r = await rig.boot({ extra: EVENTS });
  const ops = r.emu.addChannel({ name: 'ops', members: [r.ws.tom.id, r.ws.ann.id] }).id;
  await r.emu.memberJoined(ops, r.ws.app.botUserId, r.ws.tom.id);
  await r.emu.memberJoined(ops, r.emu.addUser({ name: 'bo', displayName: 'Bo' }).id);
  await r.emu.memberLeft(ops, r.ws.ann.id);
  await r.emu.memberLeft(ops, r.ws.app.botUserId, r.ws.tom.id);
  await r.emu.openHome(r.ws.app.appId, r.ws.tom.id, 'messages');
  await r.emu.openHome(r.ws.app.appId, r.ws.tom.id, 'home');
  await barrier(r);
  const members = r.inbox.items.filter((e): e is InboundMember => e.kind === 'member');
  expect(members.map((e) => [e.member.change, e.conversation.id, e.sender.id])).toEqual([
    ['bot_added', ops, r.ws.tom.id],
    ['joined', ops, expect.stringMatching(/^U/)],
    ['left', ops, r.ws.ann.id],
    ['bot_removed', ops, r.ws.tom.id],
    ['opened', r.ws.dm, r.ws.tom.id],
  ]);
  expect(members[0]).toMatchObject({ conversation: { type: 'group' }, member: { users: [r.ws.app.botUserId] }, sender: { name: 'Tom' } });
  expect(members[4]).toMatchObject({ conversation: { type: 'direct' } });
});

test('slack events - a deleted message is a recall event; the bot own deletions are not', async () => {
  const r = await rig.boot({ extra: EVENTS });
  const ts = await said(r, 'oops');
  await r.emu.remove(r.ws.dm, ts);
  r.send({ id: 'b1', conversation: { id: r.ws.dm }, text: 'mine' });
  await r.receipt('b1');
  r.send({ id: 'b1.d', delete: 'b1' });
  await r.receipt('b1.d');
  await barrier(r);
  const recalls = r.inbox.items.filter((e): e is InboundRecall => e.kind === 'recall');
  expect(recalls.map((e) => [e.recall.messageId, e.sender.id])).toEqual([[`${r.ws.dm}:${ts}`, r.ws.tom.id]]);
});

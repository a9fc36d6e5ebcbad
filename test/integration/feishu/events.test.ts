import type { InboundAny } from '../../../core/contract/schemas';
import type { Receipt } from '../../../core/contract/schemas';
import { eventually } from '../../support';
import { CHAT, USER, bootFeishu, messageIdOf, textEvent, type FeishuApp } from '../../support/feishu';
import { useGatewayTest, type Booted } from '../../support/fixture';

const t = useGatewayTest({ emulator: 'feishu' });
const EVENTS = '    allowFrom: ["*"]\n    events: [message, action, reaction, member, recall]\n';
const GROUP = 'oc_9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d';

const events = (gw: Booted, kind: string) => (gw.inbox.items as InboundAny[]).filter((e) => e.kind === kind);
const barrier = (gw: Booted, app: FeishuApp) => gw.inboundBarrier((text) => t.emu.pushEvent(app.appId, textEvent(t.emu, app, text)));

/** USER says something in CHAT; resolves its message id once it is stored. */
async function said(gw: Booted, app: FeishuApp, text = 'hello') {
  const e = textEvent(t.emu, app, text);
  await t.emu.pushEvent(app.appId, e);
  await eventually(() => gw.inbox.items.some((x) => (x as InboundAny).kind === 'message' && x.message?.id === messageIdOf(e)), text);
  return messageIdOf(e);
}

async function receipt(gw: Booted, id: string): Promise<Receipt> {
  await eventually(() => gw.receipts.items.some((r) => r.id === id), `receipt ${id}`);
  return gw.receipts.items.find((r) => r.id === id)!;
}

const live = (app: FeishuApp, messageId: string) =>
  t.emu.reactions.filter((r) => r.appId === app.appId && r.messageId === messageId && !r.deletedAt).map((r) => r.emojiType);

test('feishu events - the bot reacts with neutral names mapped to Feishu emoji types, takes them back, refuses unknown ones', async () => {
  const { app, gw } = await bootFeishu(t);
  const messageId = await said(gw, app);
  const send = (env: Record<string, unknown>) => gw.publish('feishu.default', env);
  send({ id: 'r1', react: { messageId, emoji: 'thumbsup' } });
  send({ id: 'r2', react: { messageId, emoji: 'done' } });
  send({ id: 'r3', react: { messageId, emoji: 'OnIt' } });
  send({ id: 'r4', react: { messageId, emoji: 'thumbsup' } });
  for (const id of ['r1', 'r2', 'r3', 'r4']) expect(await receipt(gw, id)).toMatchObject({ ok: true });
  expect(live(app, messageId)).toEqual(['THUMBSUP', 'DONE', 'OnIt']);
  send({ id: 'r5', react: { messageId, emoji: 'done', remove: true } });
  send({ id: 'r6', react: { messageId, emoji: 'done', remove: true } });
  send({ id: 'r7', react: { messageId, emoji: 'no-such-emoji' } });
  expect(await receipt(gw, 'r5')).toMatchObject({ ok: true });
  expect(await receipt(gw, 'r6')).toMatchObject({ ok: true });
  const unknown = await receipt(gw, 'r7');
  expect(unknown).toMatchObject({ ok: false, error: { code: 'E_UNSUPPORTED', platformCode: 231001 } });
  expect(unknown.error!.message).toContain('thumbsup, thumbsdown, ok');
  expect(live(app, messageId)).toEqual(['THUMBSUP', 'OnIt']);
});

test('feishu events - typing is a "Typing" reaction on the message answered, removed when the answer goes out', async () => {
  const { app, gw } = await bootFeishu(t);
  const first = await said(gw, app, 'first');
  const latest = await said(gw, app, 'how many customers?');
  gw.publish('feishu.default', { id: 't1', typing: true, replyTo: first });
  expect(await receipt(gw, 't1')).toMatchObject({ ok: true });
  expect(live(app, first)).toEqual(['Typing']);
  gw.publish('feishu.default', { id: 'a1', replyTo: first, text: 'done' });
  expect(await receipt(gw, 'a1')).toMatchObject({ ok: true });
  expect(live(app, first)).toEqual([]);
  // Without replyTo: on the latest message of the conversation, taken back by the next message there.
  gw.publish('feishu.default', { id: 't2', typing: true, conversation: { id: CHAT } });
  expect(await receipt(gw, 't2')).toMatchObject({ ok: true });
  expect(live(app, latest)).toEqual(['Typing']);
  gw.publish('feishu.default', { id: 'a2', conversation: { id: CHAT }, text: '42' });
  expect(await receipt(gw, 'a2')).toMatchObject({ ok: true });
  expect(live(app, latest)).toEqual([]);
  gw.publish('feishu.default', { id: 't3', typing: true, conversation: { id: GROUP } });
  expect(await receipt(gw, 't3')).toMatchObject({ ok: false, error: { code: 'E_SCHEMA' } });
});

test('feishu events - reactions people add and remove are reaction events with neutral names; the bot own are not', async () => {
  const { app, gw } = await bootFeishu(t, EVENTS);
  const messageId = await said(gw, app);
  // A message the channel never received: its chat comes from Feishu's message API.
  const unseen = messageIdOf(textEvent(t.emu, app, 'older', { chatId: GROUP, chatType: 'group' }));
  const react = (id: string, emojiType: string, added: boolean, operatorType: 'user' | 'app' = 'user') =>
    t.emu.pushEvent(app.appId, t.emu.reactionEvent(app.appId, { messageId: id, emojiType, userOpenId: USER, added, operatorType }));
  for (const ack of await Promise.all([
    react(messageId, 'THUMBSUP', true),
    react(messageId, 'THUMBSUP', false),
    react(messageId, 'OK', true, 'app'),
  ]))
    expect(ack.code).toBe(200);
  expect((await react(unseen, 'Fire', true)).code).toBe(200);
  await barrier(gw, app);
  const reactions = events(gw, 'reaction') as Array<InboundAny & { reaction: { emoji: string; added: boolean; messageId: string } }>;
  expect(reactions.map((e) => [e.reaction.emoji, e.reaction.added, e.conversation.id, e.conversation.type])).toEqual([
    ['thumbsup', true, CHAT, 'direct'],
    ['thumbsup', false, CHAT, 'direct'],
    ['fire', true, GROUP, 'group'],
  ]);
  expect(reactions[0]).toMatchObject({ sender: { id: USER, kind: 'user' }, reaction: { messageId } });
});

test('feishu events - without reaction in events:, reactions are not published', async () => {
  const { app, gw } = await bootFeishu(t);
  const messageId = await said(gw, app);
  await t.emu.pushEvent(app.appId, t.emu.reactionEvent(app.appId, { messageId, emojiType: 'HEART', userOpenId: USER, added: true }));
  await barrier(gw, app);
  expect(events(gw, 'reaction')).toEqual([]);
});

test('feishu events - bot added and removed, direct chat opened, message recalled become member and recall events', async () => {
  const { app, gw } = await bootFeishu(t, EVENTS);
  const messageId = await said(gw, app, 'oops');
  const pushes = [
    t.emu.botMemberEvent(app.appId, { chatId: GROUP, operatorOpenId: USER, added: true }),
    t.emu.botMemberEvent(app.appId, { chatId: GROUP, operatorOpenId: USER, added: false }),
    t.emu.p2pEnteredEvent(app.appId, { chatId: CHAT, operatorOpenId: USER }),
    t.emu.recalledEvent(app.appId, messageId),
  ];
  for (const e of pushes) expect((await t.emu.pushEvent(app.appId, e)).code).toBe(200);
  await barrier(gw, app);
  const members = events(gw, 'member') as Array<InboundAny & { member: { change: string; users?: string[] } }>;
  expect(members.map((e) => [e.member.change, e.conversation.id, e.conversation.type, e.sender.id])).toEqual([
    ['bot_added', GROUP, 'group', USER],
    ['bot_removed', GROUP, 'group', USER],
    ['opened', CHAT, 'direct', USER],
  ]);
  expect(members[0]).toMatchObject({ id: `feishu:default:${pushes[0]!.header.event_id}`, member: { users: [app.botOpenId] } });
  expect(events(gw, 'recall')).toEqual([
    expect.objectContaining({
      recall: { messageId },
      conversation: { id: CHAT, type: 'direct' },
      sender: expect.objectContaining({ id: USER }),
    }),
  ]);
});

import type { InboundAny, InboundCommand, InboundMember, InboundReaction } from '../../../core/contract/schemas';
import { eventually } from '../../support';
import { REPEAT_MS } from '../../../plugins/telegram/typing';
import { telegramRig, type TelegramRun } from './rig';

const { boot } = telegramRig();

const EVENTS = '    events: [message, action, command, reaction, member]\n';
const of = <K extends InboundAny['kind']>(r: TelegramRun, kind: K) =>
  r.inbox.items.filter((e): e is Extract<InboundAny, { kind: K }> => e.kind === kind);

/** A message Tom writes in the DM, once the gateway stored it. */
async function said(r: TelegramRun, text: string) {
  const { message } = r.emu.userMessage(r.bot, { chat: r.dm, from: r.tom, text });
  await eventually(() => r.inbox.items.some((e) => e.kind === 'message' && e.message.text === text), `"${text}" stored`);
  return message;
}

test("telegram events - reactions out: neutral names map to Telegram emoji, remove takes the bot's off, an unknown one is E_UNSUPPORTED", async () => {
  const r = await boot();
  const m = await said(r, 'ship it?');
  const messageId = `${r.dm.id}:${m.message_id}`;
  r.send({ id: 'r1', react: { messageId, emoji: 'thumbsup' } });
  expect(await r.receipt('r1')).toMatchObject({ ok: true });
  expect(r.emu.botReaction(r.bot, r.dm, m.message_id)).toEqual(['👍']);
  r.send({ id: 'r2', react: { messageId, emoji: '🔥' } });
  await r.receipt('r2');
  expect(r.emu.botReaction(r.bot, r.dm, m.message_id)).toEqual(['🔥']);
  r.send({ id: 'r3', react: { messageId, emoji: 'fire', remove: true } });
  await r.receipt('r3');
  expect(r.emu.botReaction(r.bot, r.dm, m.message_id)).toEqual([]);
  r.send({ id: 'r4', react: { messageId, emoji: '✅' } });
  const refused = await r.receipt('r4');
  expect(refused).toMatchObject({ ok: false, error: { code: 'E_UNSUPPORTED', retryable: false } });
  expect(refused.error!.message).toContain('Telegram offers no reaction "✅"');
  expect(r.emu.requests.filter((q) => q.method === 'setmessagereaction').map((q) => q.status)).toEqual([200, 200, 200, 400]);
});

test("telegram events - users' reactions come only when allowed_updates asks for message_reaction; then as reaction events", async () => {
  const off = await boot({ extra: EVENTS });
  const m = await said(off, 'first');
  expect(off.emu.users.react(off.bot, off.dm, m.message_id, off.tom, ['👍']).update).toBeUndefined();
  await said(off, 'barrier');
  expect(of(off, 'reaction')).toEqual([]);

  const r = await boot({ extra: `${EVENTS}    allowedUpdates: [message, callback_query, my_chat_member, message_reaction]\n` });
  const q = await said(r, 'second');
  r.emu.users.react(r.bot, r.dm, q.message_id, r.tom, ['👍']);
  r.emu.users.react(r.bot, r.dm, q.message_id, r.tom, ['❤']);
  await eventually(() => of(r, 'reaction').length === 3, 'three reaction events');
  const reactions = of(r, 'reaction') as InboundReaction[];
  expect(reactions.map((e) => e.reaction)).toEqual([
    { emoji: 'thumbsup', messageId: `${r.dm.id}:${q.message_id}`, added: true },
    { emoji: 'heart', messageId: `${r.dm.id}:${q.message_id}`, added: true },
    { emoji: 'thumbsup', messageId: `${r.dm.id}:${q.message_id}`, added: false },
  ]);
  expect(reactions[0]).toMatchObject({
    sender: { id: String(r.tom.id), name: 'Tom' },
    conversation: { id: String(r.dm.id), type: 'direct' },
  });
});

test('telegram events - typing is sendChatAction "typing", repeated every 4 s until the answer goes to that chat', async () => {
  const r = await boot();
  r.send({ id: 't1', typing: true, conversation: { id: String(r.dm.id) } });
  expect(await r.receipt('t1')).toMatchObject({ ok: true });
  const inDm = () => r.emu.records.chatActions.filter((a) => a.chatId === r.dm.id);
  await eventually(() => inDm().length >= 2, 'the repeat', REPEAT_MS + 5000);
  const [first, second] = inDm();
  expect(first!.action).toBe('typing');
  expect(second!.at - first!.at).toBeGreaterThanOrEqual(REPEAT_MS - 100);
  r.send({ id: 'a1', conversation: { id: String(r.dm.id) }, text: 'here is the answer' });
  const answered = await r.receipt('a1');
  const answeredAt = r.emu.sent.find((s) => `${s.chatId}:${s.messageId}` === answered.messageIds![0])!.at;
  // Barrier: typing in the group repeats once (4 s); by then a DM repeat would have come too.
  r.send({ id: 't2', typing: true, conversation: { id: String(r.group.id) } });
  await eventually(
    () => r.emu.records.chatActions.filter((a) => a.chatId === r.group.id).length >= 2,
    'the group repeat',
    REPEAT_MS + 5000,
  );
  expect(inDm().filter((a) => a.at > answeredAt)).toEqual([]);
  r.send({ id: 'a2', conversation: { id: String(r.group.id) }, text: 'done' });
  await r.receipt('a2');
}, 30_000);

test("telegram events - the bot added to and removed from a group are member events; sends there then get Telegram's 403", async () => {
  const r = await boot({ extra: EVENTS });
  const chat = { id: -1001234567890, type: 'supergroup' as const, title: 'Ops' };
  r.emu.users.addBot(r.bot, chat, r.ann);
  await eventually(() => of(r, 'member').length === 1, 'bot_added');
  r.emu.users.removeBot(r.bot, chat.id, r.ann);
  await eventually(() => of(r, 'member').length === 2, 'bot_removed');
  const members = of(r, 'member') as InboundMember[];
  expect(members.map((m) => m.member.change)).toEqual(['bot_added', 'bot_removed']);
  expect(members[0]).toMatchObject({
    conversation: { id: String(chat.id), type: 'group', name: 'Ops' },
    sender: { id: String(r.ann.id), name: 'Ann' },
    member: { users: [String(r.bot.id)] },
  });
  r.send({ id: 'gone', conversation: { id: String(chat.id) }, text: 'hello?' });
  expect(await r.receipt('gone')).toMatchObject({
    ok: false,
    error: {
      code: 'E_PLATFORM',
      platformCode: 403,
      message: expect.stringContaining('Forbidden: bot was kicked from the supergroup chat'),
    },
  });
});

test("telegram events - /commands for this bot are command events with name and args; other bots' commands are not", async () => {
  const r = await boot({ extra: EVENTS });
  r.emu.userMessage(r.bot, { chat: r.dm, from: r.tom, text: '/deploy prod  --fast' });
  r.emu.userMessage(r.bot, { chat: r.group, from: r.tom, text: '/status@data_bot' });
  r.emu.userMessage(r.bot, { chat: r.group, from: r.tom, text: '/status@other_bot now' });
  await said(r, 'barrier');
  const commands = of(r, 'command') as InboundCommand[];
  expect(commands.map((c) => [c.command, c.conversation.id])).toEqual([
    [{ name: 'deploy', args: 'prod  --fast' }, String(r.dm.id)],
    [{ name: 'status', args: '' }, String(r.group.id)],
  ]);
  expect(commands[0]!.sender).toMatchObject({ id: String(r.tom.id), name: 'Tom' });
  // Not addressed to this bot: group chatter that does not mention it, not published.
  expect(r.inbox.items.filter((e) => e.kind === 'message').map((e) => (e.kind === 'message' ? e.message.text : ''))).toEqual(['barrier']);
});

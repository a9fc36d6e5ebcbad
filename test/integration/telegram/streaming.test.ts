import { snapshot, stream100 } from '../../support/streaming-cases';
import { telegramRig, type TelegramRun } from './rig';

const rig = telegramRig();
const { boot } = rig;

const sentIn = (r: TelegramRun, chatId: number) => r.emu.sent.filter((s) => s.botId === r.bot.id && s.chatId === chatId);

test('telegram streaming - in a private chat 100 frames in a second become a few drafts and one final sendMessage; the text is exact', async () => {
  const r = await boot();
  const q = r.emu.userMessage(r.bot, { chat: r.dm, from: r.tom, text: 'how many customers?' }).message;
  r.send({ id: 's1', replyTo: `${r.dm.id}:${q.message_id}`, stream: true, text: '' });
  const final = `${snapshot(100)}: **done**.`;
  const done = await stream100(r, 's1', final, 'markdown');
  expect(done).toMatchObject({ ok: true });
  const receipts = r.receipts.items.filter((x) => x.id!.startsWith('s1.'));
  expect(receipts).toHaveLength(101);
  expect(receipts.every((x) => x.ok)).toBe(true);
  expect(receipts.filter((x) => x.superseded).length).toBeGreaterThan(80);

  const drafts = r.emu.records.drafts.filter((d) => d.chatId === r.dm.id);
  const calls = r.calls('sendmessagedraft', 'sendmessage', 'editmessagetext');
  process.stdout.write(
    `telegram streaming (private chat): 100 frames in 1 s + done -> ${calls.length} Bot API calls (${drafts.length} drafts)\n`,
  );
  expect(drafts[0]!.text).toBe('');
  expect(new Set(drafts.map((d) => d.draftId)).size).toBe(1);
  expect(drafts.length).toBeLessThanOrEqual(12);
  expect(calls.filter((c) => c === 'sendmessage')).toHaveLength(1);
  expect(calls.at(-1)).toBe('sendmessage');
  const [message] = sentIn(r, r.dm.id);
  expect(message!.text).toBe(`${snapshot(100)}: done.`);
  expect(message!.entities).toEqual([{ type: 'bold', offset: snapshot(100).length + 2, length: 4 }]);
  expect(message!.replyTo).toBe(q.message_id);
  // The open receipt knew no message yet; the final one names the one message the stream became.
  expect((await r.receipt('s1')).messageIds).toEqual([]);
  expect(done.messageIds).toEqual([`${r.dm.id}:${message!.messageId}`]);
  expect(r.emu.draft(r.bot, r.dm)).toBeUndefined();
}, 30_000);

test('telegram streaming - in a group the stream is one message edited at most once per pace; the final text is exact', async () => {
  const r = await boot();
  r.send({ id: 'g1', conversation: { id: String(r.group.id) }, stream: true, text: '' });
  const done = await stream100(r, 'g1', `${snapshot(100)} — final`);
  expect(done).toMatchObject({ ok: true });
  const open = await r.receipt('g1');
  const calls = r.calls('sendmessagedraft', 'sendmessage', 'editmessagetext');
  process.stdout.write(`telegram streaming (group): 100 frames in 1 s + done -> ${calls.length} Bot API calls (${calls.join(', ')})\n`);
  expect(calls[0]).toBe('sendmessage');
  expect(calls.slice(1).every((c) => c === 'editmessagetext')).toBe(true);
  // The default pace is one edit per 3 s: a second of frames and the final fit in one or two edits.
  expect(calls.length).toBeLessThanOrEqual(3);
  const [message] = sentIn(r, r.group.id);
  expect(message!.text).toBe('…');
  expect(open.messageIds).toEqual([`${r.group.id}:${message!.messageId}`]);
  expect(done.messageIds).toEqual(open.messageIds);
  expect(r.emu.message(r.bot, r.group, message!.messageId)!.text).toBe(`${snapshot(100)} — final`);
  const edits = r.emu.records.edits.filter((e) => e.chatId === r.group.id).map((e) => e.at);
  for (let i = 1; i < edits.length; i++) expect(edits[i]! - edits[i - 1]!).toBeGreaterThanOrEqual(2900);
}, 30_000);

test('telegram streaming - a stream keeps its place among the other messages of the conversation', async () => {
  const r = await boot({ extra: '    editPaceMs: 200\n' });
  const to = { conversation: { id: String(r.group.id) } };
  r.send({ id: 'before', ...to, text: 'one moment' });
  r.send({ id: 'o1', ...to, stream: true, text: 'Counting' });
  r.send({ id: 'o1.1', edit: 'o1', text: 'Counting… 40' });
  r.send({ id: 'o1.2', edit: 'o1', done: true, text: 'Counting… 42 in all' });
  r.send({ id: 'after', ...to, text: 'anything else?' });
  await r.receipt('after');
  const sent = sentIn(r, r.group.id);
  expect(sent.map((s) => r.emu.message(r.bot, r.group, s.messageId)!.text)).toEqual([
    'one moment',
    'Counting… 42 in all',
    'anything else?',
  ]);
  // The final edit went out before the next message.
  const lastEdit = r.emu.records.edits.filter((e) => e.chatId === r.group.id).at(-1)!;
  expect(lastEdit.at).toBeLessThanOrEqual(sent[2]!.at);
});

test('telegram streaming - done is never lost: a 429 on the final edit is waited out (retry_after) and the text is exact', async () => {
  const r = await boot({ extra: '    editPaceMs: 100\n', emulator: { groupEdits: { limit: 2, windowMs: 1500 } } });
  r.send({ id: 'l1', conversation: { id: String(r.group.id) }, stream: true, text: 'Almost' });
  await r.receipt('l1');
  r.send({ id: 'l1.1', edit: 'l1', text: 'Almost there' });
  await r.receipt('l1.1');
  r.send({ id: 'l1.2', edit: 'l1', text: 'Almost there,' });
  await r.receipt('l1.2');
  r.send({ id: 'l1.3', edit: 'l1', done: true, text: 'Almost there, done' });
  const done = await r.receipt('l1.3');
  expect(done).toMatchObject({ ok: true });
  expect(done.attempts).toBeGreaterThanOrEqual(2);
  const refused = r.emu.requests.filter((q) => q.botId === r.bot.id && q.method === 'editmessagetext' && q.status === 429);
  expect(refused.length).toBeGreaterThanOrEqual(1);
  const [message] = sentIn(r, r.group.id);
  expect(r.emu.message(r.bot, r.group, message!.messageId)!.text).toBe('Almost there, done');
  // The retry came after retry_after (at least a second), not in a tight loop.
  const lastEdit = r.emu.records.edits.at(-1)!;
  expect(lastEdit.at - refused[0]!.at).toBeGreaterThanOrEqual(900);
  expect(r.gw.logs.messages()).toContain('Telegram asked to slow down: the stream waits before its next frame');
});

test('telegram streaming - frames past 4,096 characters are not split; done splits the final text into messages', async () => {
  const r = await boot();
  const long = (n: number) => Array.from({ length: n }, (_, i) => `line ${String(i).padStart(4, '0')} of the report`).join('\n');
  r.send({ id: 'x1', conversation: { id: String(r.dm.id) }, stream: true, text: long(10) });
  r.send({ id: 'x1.1', edit: 'x1', text: long(300) });
  await r.receipt('x1.1');
  r.send({ id: 'x1.2', edit: 'x1', done: true, text: long(400) });
  const done = await r.receipt('x1.2');
  expect(done).toMatchObject({ ok: true });
  const drafts = r.emu.records.drafts.filter((d) => d.chatId === r.dm.id);
  expect(drafts.every((d) => d.text.length <= 4096)).toBe(true);
  const sent = sentIn(r, r.dm.id);
  expect(sent.length).toBe(3);
  expect(sent.map((s) => s.text).join('\n')).toBe(long(400));
  expect(done.messageIds).toEqual(sent.map((s) => `${r.dm.id}:${s.messageId}`));

  // In a group: the edited message keeps the first piece, the rest follows as new messages.
  r.send({ id: 'x2', conversation: { id: String(r.group.id) }, stream: true, text: '' });
  r.send({ id: 'x2.1', edit: 'x2', done: true, text: long(400) });
  const groupDone = await r.receipt('x2.1');
  const inGroup = sentIn(r, r.group.id);
  expect(inGroup.length).toBe(3);
  expect(inGroup.map((s) => r.emu.message(r.bot, r.group, s.messageId)!.text).join('\n')).toBe(long(400));
  expect(groupDone.messageIds).toEqual(inGroup.map((s) => `${r.group.id}:${s.messageId}`));
}, 30_000);

test('telegram streaming - where Telegram refuses drafts (TEXTDRAFT_PEER_INVALID) a private chat gets one message edited in place', async () => {
  const r = await boot({ extra: '    editPaceMs: 100\n' });
  r.emu.failNext({ method: 'sendMessageDraft', errorCode: 400, description: 'Bad Request: TEXTDRAFT_PEER_INVALID' });
  r.send({ id: 'f1', conversation: { id: String(r.dm.id) }, stream: true, text: 'Thinking' });
  r.send({ id: 'f1.1', edit: 'f1', done: true, text: 'Thought it through' });
  const done = await r.receipt('f1.1');
  const open = await r.receipt('f1');
  expect(r.calls('sendmessagedraft', 'sendmessage', 'editmessagetext')).toEqual(['sendmessagedraft', 'sendmessage', 'editmessagetext']);
  const [message] = sentIn(r, r.dm.id);
  expect(open.messageIds).toEqual([`${r.dm.id}:${message!.messageId}`]);
  expect(done.messageIds).toEqual(open.messageIds);
  expect(r.emu.message(r.bot, r.dm, message!.messageId)!.text).toBe('Thought it through');
});

test('telegram streaming - a replica taking over a stream continues the same draft and the same edited message; one message each', async () => {
  const r = await boot({ extra: '    editPaceMs: 200\n' });
  r.send({ id: 'd1', conversation: { id: String(r.dm.id) }, stream: true, text: 'Draft one' });
  r.send({ id: 'e1', conversation: { id: String(r.group.id) }, stream: true, text: 'Edit one' });
  r.send({ id: 'd1.1', edit: 'd1', text: 'Draft one two' });
  r.send({ id: 'e1.1', edit: 'e1', text: 'Edit one two' });
  await r.receipt('d1.1');
  await r.receipt('e1.1');
  await r.gw.stop();
  const second = await rig.t.bootFile(r.gw.file);
  second.publish('telegram.default', { id: 'd1.2', edit: 'd1', done: true, text: 'Draft one two three' });
  second.publish('telegram.default', { id: 'e1.2', edit: 'e1', done: true, text: 'Edit one two three' });
  const [a, b] = await Promise.all([r.receipt('d1.2'), r.receipt('e1.2')]);
  expect([a.ok, b.ok]).toEqual([true, true]);
  const drafts = r.emu.records.drafts.filter((d) => d.chatId === r.dm.id);
  expect(new Set(drafts.map((d) => d.draftId)).size).toBe(1);
  const dmSent = sentIn(r, r.dm.id);
  expect(dmSent.map((s) => s.text)).toEqual(['Draft one two three']);
  expect(a.messageIds).toEqual([`${r.dm.id}:${dmSent[0]!.messageId}`]);
  const groupSent = sentIn(r, r.group.id);
  expect(groupSent).toHaveLength(1);
  expect(r.emu.message(r.bot, r.group, groupSent[0]!.messageId)!.text).toBe('Edit one two three');
  expect(b.messageIds).toEqual([`${r.group.id}:${groupSent[0]!.messageId}`]);
}, 40_000);

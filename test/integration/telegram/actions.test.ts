import { eventually } from '../../support';
import { ASK, REFUSED, actionsIn, refusals } from '../../support/actions';
import { telegramRig, type TelegramRun } from './rig';

const rig = telegramRig({ nats: { own: true } });

/** The bot asks Tom in the DM; resolves the question's message id. */
async function asked(r: TelegramRun, env: Record<string, unknown> = ASK) {
  r.send({ ...env, conversation: { id: String(r.dm.id) } });
  const receipt = await r.receipt(String(env.id));
  expect(receipt.ok).toBe(true);
  return Number(receipt.messageIds![0]!.split(':')[1]);
}

test('telegram actions - buttons are an inline keyboard carrying the token; a click is answered after it is stored; the agent edits the message', async () => {
  const r = await rig.boot();
  const id = await asked(r);
  const buttons = r.emu.buttons(r.bot, r.dm, id);
  expect(buttons.map((b) => b.text)).toEqual(['Approve', 'Reject']);
  expect(buttons.every((b) => /^[A-Za-z0-9_-]{1,24}$/.test(b.data!))).toBe(true);
  expect(JSON.stringify(r.emu.message(r.bot, r.dm, id))).not.toContain('deploy:42');

  const click = r.emu.users.click(r.bot, r.dm, id, { from: r.tom, label: 'Approve' });
  const answered = await r.emu.users.answered(click.id);
  expect(answered.lateAnswers).toBe(0);
  await eventually(() => actionsIn(r.inbox).length === 1, 'the action envelope');
  const [action] = actionsIn(r.inbox);
  expect(action).toMatchObject({
    id: `telegram:default:${click.update!.update_id}`,
    conversation: { id: String(r.dm.id), type: 'direct' },
    sender: { id: String(r.tom.id), name: 'Tom', kind: 'user' },
    action: { id: 'approve', value: 'deploy:42', messageId: `${r.dm.id}:${id}`, envelope: 'ask-1' },
  });

  r.send({ id: 'verdict', edit: action!.action.envelope, text: 'Approved by Tom' });
  expect(await r.receipt('verdict')).toMatchObject({ ok: true, messageIds: [`${r.dm.id}:${id}`] });
  expect(r.emu.message(r.bot, r.dm, id)).toMatchObject({ text: 'Approved by Tom' });
  expect(r.emu.buttons(r.bot, r.dm, id)).toEqual([]);
});

test('telegram actions - forged, other-message, stale and stranger clicks are answered but refused, never published', async () => {
  const r = await rig.boot({ allowFrom: ({ tom }) => `["${tom.id}"]` });
  const first = await asked(r);
  const token = r.emu.buttons(r.bot, r.dm, first)[0]!.data!;
  const forged = r.emu.users.click(r.bot, r.dm, first, { from: r.tom, data: 'A'.repeat(22) });
  // A message of the group with the DM's button token: clicked as if it were there.
  r.send({ id: 'g1', conversation: { id: String(r.group.id) }, text: 'Deploy again?', actions: [{ id: 'yes', label: 'Yes' }] });
  const groupMessage = Number((await r.receipt('g1')).messageIds![0]!.split(':')[1]);
  const elsewhere = r.emu.users.click(r.bot, r.group, groupMessage, { from: r.tom, data: token });
  // The question edited without buttons: its old button pressed again (a replay).
  r.send({ id: 'verdict', edit: 'ask-1', text: 'Approved by Tom' });
  await r.receipt('verdict');
  const stale = r.emu.users.click(r.bot, r.dm, first, { from: r.tom, data: token });
  const stranger = r.emu.users.click(r.bot, r.group, groupMessage, { from: r.ann, label: 'Yes' });
  const answers = await Promise.all([forged, elsewhere, stale, stranger].map((c) => r.emu.users.answered(c.id)));
  expect(answers.map((a) => a.lateAnswers)).toEqual([0, 0, 0, 0]);
  // Barrier: a good click after them arrives; nothing else did.
  const good = r.emu.users.click(r.bot, r.group, groupMessage, { from: r.tom, label: 'Yes' });
  await r.emu.users.answered(good.id);
  await eventually(() => actionsIn(r.inbox).length === 1, 'the good click');
  expect(actionsIn(r.inbox).map((a) => [a.action.id, a.conversation.id])).toEqual([['yes', String(r.group.id)]]);
  expect(refusals(r.gw.logs)).toEqual([REFUSED.unknown, REFUSED.otherMessage, REFUSED.replaced]);
  expect(r.gw.logs.messages().some((m) => m.includes(`action from ${r.ann.id} dropped: sender not in allowFrom`))).toBe(true);
});

test("telegram actions - an answer after Telegram's deadline gets Telegram's error, logged; the click is still published once", async () => {
  const r = await rig.boot({ emulator: { callbackTimeoutMs: 0 } });
  const id = await asked(r);
  const click = r.emu.users.click(r.bot, r.dm, id, { from: r.tom, label: 'Reject' });
  await eventually(() => click.record.lateAnswers === 1, 'the late answer');
  await eventually(() => actionsIn(r.inbox).length === 1, 'the action envelope');
  expect(actionsIn(r.inbox)[0]!.action).toMatchObject({ id: 'reject', envelope: 'ask-1' });
  expect(r.gw.logs.messages().some((m) => m.includes('query is too old and response timeout expired or query ID is invalid'))).toBe(true);
});

test('telegram actions - buttons under a streamed answer in a private chat arrive with the final message and can be clicked', async () => {
  const r = await rig.boot();
  r.send({ id: 'st', conversation: { id: String(r.dm.id) }, stream: true, text: '' });
  r.send({ id: 'st.1', edit: 'st', text: 'Ready to' });
  r.send({ id: 'st.2', edit: 'st', done: true, text: 'Ready to deploy?', actions: [{ id: 'go', label: 'Go', value: 'v1' }] });
  const done = await r.receipt('st.2');
  const id = Number(done.messageIds![0]!.split(':')[1]);
  expect(r.emu.buttons(r.bot, r.dm, id).map((b) => b.text)).toEqual(['Go']);
  const click = r.emu.users.click(r.bot, r.dm, id, { from: r.tom, label: 'Go' });
  await r.emu.users.answered(click.id);
  await eventually(() => actionsIn(r.inbox).length === 1, 'the action envelope');
  expect(actionsIn(r.inbox)[0]!.action).toEqual({ id: 'go', value: 'v1', messageId: `${r.dm.id}:${id}`, envelope: 'st' });
});

test('telegram actions - while NATS is down a click is not answered; once it is back the click is published once and answered', async () => {
  const r = await rig.boot();
  const id = await asked(r);
  await rig.t.nats.stop();
  const click = r.emu.users.click(r.bot, r.dm, id, { from: r.tom, label: 'Approve' });
  await eventually(
    () =>
      r.gw.logs.messages().includes('Telegram update not stored (NATS unavailable?); its offset stays unconfirmed and it is read again'),
    'the click not stored',
    15_000,
  );
  expect(click.record.answeredAt).toBeUndefined();
  await rig.t.nats.restart();
  await r.emu.users.answered(click.id, 20_000);
  await eventually(() => actionsIn(r.inbox).length === 1, 'the action envelope', 15_000);
  r.send({ id: 'barrier', conversation: { id: String(r.dm.id) }, text: 'barrier' });
  await r.receipt('barrier');
  expect(actionsIn(r.inbox)).toHaveLength(1);
}, 60_000);

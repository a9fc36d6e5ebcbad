import { expectFailedAtOnce } from '../../support/receipt-checks';
import { slackRig } from './rig';

const rig = slackRig();

test('slack edits - an edit replaces the message with chat.update; a delete removes it; receipts name the message', async () => {
  const r = await rig.boot();
  r.send({ id: 'm1', conversation: { id: r.ws.channel }, text: 'Q3: 40 customers' });
  const sent = await r.receipt('m1');
  const [id] = sent.messageIds!;
  const ts = id!.split(':')[1]!;
  r.send({ id: 'm1.e', edit: 'm1', text: '**Q3**: 42 customers', format: 'markdown' });
  expect(await r.receipt('m1.e')).toMatchObject({ ok: true, messageIds: [id] });
  expect(r.emu.message(r.ws.channel, ts)).toMatchObject({ text: '*Q3*: 42 customers' });
  r.send({ id: 'm1.d', delete: 'm1' });
  expect(await r.receipt('m1.d')).toMatchObject({ ok: true, messageIds: [id] });
  expect(r.emu.message(r.ws.channel, ts)).toBeUndefined();
  r.send({ id: 'm1.e2', edit: 'm1', text: 'too late' });
  expect(await r.receipt('m1.e2')).toMatchObject({ ok: false, error: { code: 'E_UNSUPPORTED' } });
  expect(r.calls('chat.update', 'chat.delete')).toEqual(['chat.update', 'chat.delete']);
});

test('slack edits - an edit of a split message shows the snapshot in its first message and deletes the others', async () => {
  const r = await rig.boot();
  const text = Array.from({ length: 3 }, (_, i) => `Part ${i + 1}: ${'word '.repeat(700)}`).join('\n\n');
  r.send({ id: 'long', conversation: { id: r.ws.channel }, text });
  const sent = await r.receipt('long');
  expect(sent.messageIds).toHaveLength(3);
  r.send({ id: 'long.e', edit: 'long', text: 'Summary: three parts' });
  await r.receipt('long.e');
  const [first, ...rest] = sent.messageIds!.map((m) => m.split(':')[1]!);
  expect(r.emu.message(r.ws.channel, first!)!.text).toBe('Summary: three parts');
  expect(rest.map((ts) => r.emu.message(r.ws.channel, ts))).toEqual([undefined, undefined]);
  r.send({ id: 'long.d', delete: 'long' });
  await r.receipt('long.d');
  expect(r.emu.message(r.ws.channel, first!)).toBeUndefined();
  expect(r.calls('chat.delete')).toHaveLength(3);
});

test('slack edits - Slack refusals reach the receipt with their code: a message gone, past the edit window, too long', async () => {
  const r = await rig.boot({ emulator: { editWindowMs: 500 } });
  r.send({ id: 'g1', conversation: { id: r.ws.channel }, text: 'soon gone' });
  const ts = (await r.receipt('g1')).messageIds![0]!.split(':')[1]!;
  // An admin deletes it in Slack; the gateway does not know.
  await r.emu.remove(r.ws.channel, ts);
  r.send({ id: 'g1.e', edit: 'g1', text: 'edited' });
  expectFailedAtOnce(
    await r.receipt('g1.e'),
    { code: 'E_PLATFORM', platformCode: 'message_not_found', retryable: false },
    'deleted in Slack',
  );
  // Deleting what is already gone is done, not an error.
  r.send({ id: 'g1.d', delete: 'g1' });
  expect(await r.receipt('g1.d')).toMatchObject({ ok: true });

  r.send({ id: 'w1', conversation: { id: r.ws.channel }, text: 'old news' });
  await r.receipt('w1');
  const postedAt = Date.now();
  r.send({ id: 'big', conversation: { id: r.ws.channel }, text: 'small' });
  await r.receipt('big');
  r.send({ id: 'big.e', edit: 'big', text: 'x'.repeat(40_001) });
  expect(await r.receipt('big.e')).toMatchObject({ ok: false, error: { code: 'E_TOO_LARGE' } });
  // Let the workspace's edit window of "old news" pass.
  await new Promise((res) => setTimeout(res, Math.max(0, postedAt + 600 - Date.now())));
  r.send({ id: 'w1.e', edit: 'w1', text: 'new news' });
  const closed = await r.receipt('w1.e');
  expect(closed).toMatchObject({ ok: false, error: { code: 'E_PLATFORM', platformCode: 'edit_window_closed' } });
  expect(closed.error!.message).toContain('editing window');
});

test("slack edits - Slack's cant_update_message reaches the receipt as a permanent error with its hint", async () => {
  const r = await rig.boot();
  r.send({ id: 'mine', conversation: { id: r.ws.channel }, text: 'mine' });
  await r.receipt('mine');
  r.emu.failNext({ method: 'chat.update', error: 'cant_update_message' });
  r.send({ id: 'mine.e', edit: 'mine', text: 'changed' });
  expectFailedAtOnce(await r.receipt('mine.e'), { platformCode: 'cant_update_message', retryable: false }, 'only its own messages');
});

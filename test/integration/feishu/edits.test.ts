import { MAX_EDITS } from '../../emulators/feishu';
import { CHAT } from '../../support/feishu';
import { feishuRig } from './rig';

const { boot } = feishuRig();

test('feishu edits - a text message is edited in place with the text update API; markdown becomes a post', async () => {
  const r = await boot();
  r.send({ id: 't1', conversation: { id: CHAT }, text: 'about 40 customers' });
  const sent = await r.receipt('t1');
  r.send({ id: 't1.e1', edit: 't1', text: 'exactly 42 customers' });
  expect(await r.receipt('t1.e1')).toMatchObject({ ok: true, messageIds: sent.messageIds });
  expect(r.emu.shownText(sent.messageIds![0]!)).toBe('exactly 42 customers');
  r.send({ id: 't1.e2', edit: 't1', text: 'exactly **42** customers', format: 'markdown' });
  await r.receipt('t1.e2');
  expect(r.emu.changes.map((c) => [c.kind, c.msgType, c.content])).toEqual([
    ['update', 'text', { text: 'exactly 42 customers' }],
    ['update', 'post', { zh_cn: { content: [[{ tag: 'md', text: 'exactly **42** customers' }]] } }],
  ]);
  expect(r.emu.sent).toHaveLength(1);
});

test('feishu edits - a card is edited with the card patch API', async () => {
  const r = await boot();
  r.send({ id: 'm1', conversation: { id: CHAT }, text: '# Report\n\n- 40 customers', format: 'markdown' });
  const sent = await r.receipt('m1');
  r.send({ id: 'm1.e', edit: 'm1', text: '# Report\n\n- **42** customers', format: 'markdown' });
  expect(await r.receipt('m1.e')).toMatchObject({ ok: true });
  expect(r.emu.changes).toEqual([expect.objectContaining({ kind: 'patch', messageId: sent.messageIds![0] })]);
  expect(r.emu.shownText(sent.messageIds![0]!)).toBe('# Report\n\n- **42** customers');
});

test('feishu edits - Feishu takes 20 edits of a text message; the 21st fails clearly, and the message keeps the 20th', async () => {
  const r = await boot();
  r.send({ id: 'c1', conversation: { id: CHAT }, text: 'v0' });
  const sent = await r.receipt('c1');
  // One at a time: edits waiting together would be merged into the newest (core's coalescing).
  for (let i = 1; i <= MAX_EDITS; i++) {
    r.send({ id: `c1.${i}`, edit: 'c1', text: `v${i}` });
    expect(await r.receipt(`c1.${i}`)).toMatchObject({ ok: true });
  }
  r.send({ id: `c1.${MAX_EDITS + 1}`, edit: 'c1', text: 'one too many' });
  const last = await r.receipt(`c1.${MAX_EDITS + 1}`);
  expect(last).toMatchObject({ ok: false, error: { code: 'E_UNSUPPORTED', retryable: false } });
  expect(last.error!.message).toContain('at most 20 edits');
  expect(last.error!.message).toContain('send a new message instead');
  expect(r.emu.shownText(sent.messageIds![0]!)).toBe(`v${MAX_EDITS}`);
});

test('feishu edits - delete recalls the message; a streamed card is recalled as its one message', async () => {
  const r = await boot();
  r.send({ id: 'd1', conversation: { id: CHAT }, text: 'oops' });
  r.send({ id: 's1', conversation: { id: CHAT }, stream: true, text: 'Thinking' });
  r.send({ id: 's1.done', edit: 's1', done: true, text: 'Wrong answer' });
  r.send({ id: 'd1.x', delete: 'd1' });
  r.send({ id: 's1.x', delete: 's1' });
  expect(await r.receipt('s1.x')).toMatchObject({ ok: true });
  expect(await r.receipt('d1.x')).toMatchObject({ ok: true });
  expect(r.emu.sent.map((m) => r.emu.recalled(m.messageId))).toEqual([true, true]);
  r.send({ id: 'd1.y', edit: 'd1', text: 'too late' });
  expect(await r.receipt('d1.y')).toMatchObject({ ok: false, error: { code: 'E_UNSUPPORTED' } });
});

test('feishu edits - a streamed answer edited after done is replaced whole in its card', async () => {
  const r = await boot();
  r.send({ id: 'a1', conversation: { id: CHAT }, stream: true, text: 'Counting' });
  r.send({ id: 'a1.done', edit: 'a1', done: true, text: '42 customers' });
  await r.receipt('a1.done');
  r.send({ id: 'a1.fix', edit: 'a1', text: '43 customers (one late sign-up)' });
  expect(await r.receipt('a1.fix')).toMatchObject({ ok: true });
  expect(r.emu.shownText(r.emu.sent[0]!.messageId)).toBe('43 customers (one late sign-up)');
  expect(r.emu.cards[0]!.operations.map((o) => o.op)).toEqual(['create', 'content', 'settings', 'update']);
  expect(r.emu.sent).toHaveLength(1);
});

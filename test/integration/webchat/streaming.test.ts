import { eventually } from '../../support';
import { useGatewayTest } from '../../support/fixture';
import { bootWebchat, receiptOf, tab } from './visitor';

const t = useGatewayTest();
const VISITOR = 'visitor-0001';

test('webchat streaming - the bubble fills in live: frames in order, one receipt each, the final exact and not streaming', async () => {
  const { gw, ws } = await bootWebchat(t);
  const page = await tab(t, ws, VISITOR);
  gw.publish('webchat.default', { id: 's-1', conversation: { id: VISITOR }, stream: true, text: '' });
  // One frame at a time shows as it comes.
  gw.publish('webchat.default', { id: 's-1.f0', edit: 's-1', text: 'w0' });
  expect(await page.next('update')).toMatchObject({ id: 's-1', text: 'w0', streaming: true });
  const words = Array.from({ length: 100 }, (_, i) => `w${i + 1}`);
  for (let i = 1; i <= words.length; i++)
    gw.publish('webchat.default', { id: `s-1.f${i}`, edit: 's-1', text: words.slice(0, i).join(' ') });
  gw.publish('webchat.default', { id: 's-1.done', edit: 's-1', done: true, text: '**final** answer', format: 'markdown' });
  const final = await page.next('update', (f) => f.streaming === false);
  expect(final).toEqual({
    type: 'update',
    id: 's-1',
    time: expect.any(String),
    text: '**final** answer',
    format: 'markdown',
    actions: [],
    files: [],
    streaming: false,
  });
  expect(page.of('reply')).toEqual([
    { type: 'reply', id: 's-1', time: expect.any(String), text: '', format: 'plain', actions: [], files: [], streaming: true },
  ]);
  // A burst: every frame shown is a longer prefix than the one before; coalescing may skip frames, never reorder them.
  const shown = page
    .of('update')
    .filter((f) => f.streaming && f.text !== 'w0')
    .map((f) => String(f.text).split(' ').length);
  expect(shown).toEqual([...shown].sort((a, b) => a - b));
  expect(new Set(shown).size).toBe(shown.length);
  const receipts = await Promise.all(['s-1', 's-1.f0', ...words.map((_, i) => `s-1.f${i + 1}`), 's-1.done'].map((id) => receiptOf(gw, id)));
  expect(receipts.every((r) => r.ok)).toBe(true);
  expect(receipts.filter((r) => !r.superseded)).toHaveLength(shown.length + 3);
  expect(receipts[0]).toMatchObject({ ok: true, messageIds: ['wc_s-1'] });
});

test('webchat streaming - a reload mid-stream shows the latest frame at once, then the final', async () => {
  const { gw, ws } = await bootWebchat(t);
  const before = await tab(t, ws, VISITOR);
  gw.publish('webchat.default', { id: 's-2', conversation: { id: VISITOR }, stream: true, text: 'The answer' });
  gw.publish('webchat.default', { id: 's-2.f1', edit: 's-2', text: 'The answer is' });
  await before.next('update', (f) => f.text === 'The answer is');
  before.ws.close();
  await eventually(async () => (await before.closed) !== undefined, 'the old tab closed');
  // A frame while no page is open is not held up: it is kept for the page.
  gw.publish('webchat.default', { id: 's-2.f2', edit: 's-2', text: 'The answer is forty' });
  expect(await receiptOf(gw, 's-2.f2')).toMatchObject({ ok: true });
  const after = await tab(t, ws, VISITOR);
  expect(after.frames.slice(0, 2)).toEqual([
    { type: 'hello', visitor: VISITOR },
    {
      type: 'update',
      id: 's-2',
      time: expect.any(String),
      text: 'The answer is forty',
      format: 'plain',
      actions: [],
      files: [],
      streaming: true,
    },
  ]);
  gw.publish('webchat.default', { id: 's-2.done', edit: 's-2', done: true, text: 'The answer is forty-two.' });
  expect(await after.next('update', (f) => f.streaming === false)).toMatchObject({ id: 's-2', text: 'The answer is forty-two.' });
  expect(await receiptOf(gw, 's-2.done')).toMatchObject({ ok: true, messageIds: ['wc_s-2'] });
  // Once final, a new tab gets no stream frame.
  const later = await tab(t, ws, VISITOR);
  await gw.outboundBarrier('webchat.default', VISITOR);
  expect(later.of('update')).toEqual([]);
});

test('webchat streaming - the final frame for a closed page waits for it and arrives when it is back', async () => {
  const { gw, ws } = await bootWebchat(t);
  const before = await tab(t, ws, VISITOR);
  gw.publish('webchat.default', { id: 's-3', conversation: { id: VISITOR }, stream: true, text: 'thinking' });
  await before.next('reply');
  before.ws.close();
  await before.closed;
  gw.publish('webchat.default', { id: 's-3.done', edit: 's-3', done: true, text: 'done thinking' });
  await eventually(
    () => gw.logs.lines.some((l) => l.id === 's-3.done' && l.msg === 'recipient unavailable: envelope kept for later'),
    'the final kept for later',
  );
  const after = await tab(t, ws, VISITOR);
  expect(await after.next('update', (f) => f.streaming === false)).toMatchObject({ id: 's-3', text: 'done thinking' });
  expect(await receiptOf(gw, 's-3.done', 15_000)).toMatchObject({ ok: true });
}, 30_000);

test('webchat streaming - an edit replaces the bubble, a delete removes it, both with ok receipts', async () => {
  const { gw, ws } = await bootWebchat(t);
  const page = await tab(t, ws, VISITOR);
  gw.publish('webchat.default', { id: 'm-1', conversation: { id: VISITOR }, text: 'draft' });
  await page.next('reply');
  gw.publish('webchat.default', { id: 'm-1.e', edit: 'm-1', text: 'edited', format: 'markdown' });
  expect(await page.next('update')).toEqual({
    type: 'update',
    id: 'm-1',
    time: expect.any(String),
    text: 'edited',
    format: 'markdown',
    actions: [],
    files: [],
    streaming: false,
  });
  gw.publish('webchat.default', { id: 'm-1.d', delete: 'm-1' });
  expect(await page.next('delete')).toEqual({ type: 'delete', id: 'm-1' });
  expect(await receiptOf(gw, 'm-1.e')).toMatchObject({ ok: true, messageIds: ['wc_m-1'] });
  expect(await receiptOf(gw, 'm-1.d')).toMatchObject({ ok: true, messageIds: ['wc_m-1'] });
});

test('webchat streaming - typing shows in the page; the bot reacts to a visitor message; an unknown emoji is E_UNSUPPORTED', async () => {
  const { gw, ws } = await bootWebchat(t);
  const page = await tab(t, ws, VISITOR);
  page.send('msg-00000001', 'hi');
  const [env] = await gw.inbox.waitFor(1);
  gw.publish('webchat.default', { id: 'ty-1', replyTo: env!.message.id, typing: true });
  expect(await page.next('typing')).toEqual({ type: 'typing' });
  gw.publish('webchat.default', { id: 'rx-1', react: { messageId: env!.message.id, emoji: 'thumbsup' } });
  expect(await page.next('reaction')).toEqual({ type: 'reaction', message: 'msg-00000001', emoji: '👍', remove: false });
  gw.publish('webchat.default', { id: 'rx-2', react: { messageId: env!.message.id, emoji: 'thumbsup', remove: true } });
  expect(await page.next('reaction', (f) => f.remove === true)).toEqual({
    type: 'reaction',
    message: 'msg-00000001',
    emoji: '👍',
    remove: true,
  });
  gw.publish('webchat.default', { id: 'rx-3', react: { messageId: env!.message.id, emoji: 'unicorn_face_of_doom' } });
  expect(await receiptOf(gw, 'rx-3')).toMatchObject({
    ok: false,
    error: {
      code: 'E_UNSUPPORTED',
      message: expect.stringContaining('the web chat has no emoji "unicorn_face_of_doom": use one of thumbsup'),
    },
  });
  expect((await Promise.all(['ty-1', 'rx-1', 'rx-2'].map((id) => receiptOf(gw, id)))).map((r) => r.ok)).toEqual([true, true, true]);
});

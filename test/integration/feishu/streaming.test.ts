import { eventually } from '../../support';
import { CHAT } from '../../support/feishu';
import { hundredFrames } from '../../support/streaming-cases';
import { CARD_APIS, feishuRig } from './rig';

const { boot } = feishuRig();

hundredFrames('feishu', 'a handful of CardKit calls on one card', {
  boot,
  to: (r) => ({ conversation: { id: CHAT }, replyTo: r.ask() }),
  superseded: 85,
  calls: { of: (r) => r.calls(...CARD_APIS, 'create', 'reply'), are: 'Feishu calls', atMost: 12 },
  check: (r, { to, open, final, calls }) => {
    expect(calls.slice(0, 2)).toEqual(['cardCreate', 'reply']);
    expect(calls.slice(-2)).toEqual(['cardContent', 'cardSettings']);
    expect(r.emu.cards).toHaveLength(1);
    expect(r.emu.sent).toHaveLength(1);
    const [card] = r.emu.cards;
    expect(r.emu.sent[0]).toMatchObject({
      kind: 'reply',
      replyTo: to.replyTo,
      msgType: 'interactive',
      content: { type: 'card', data: { card_id: card!.cardId } },
    });
    expect(open.messageIds).toEqual([r.emu.sent[0]!.messageId]);
    expect(card).toMatchObject({ messageId: r.emu.sent[0]!.messageId, streaming: false, closedBy: 'settings' });
    expect(r.emu.shownText(r.emu.sent[0]!.messageId)).toBe(final);
    const sequences = card!.operations.flatMap((o) => (o.sequence === undefined ? [] : [o.sequence]));
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
  },
  timeoutMs: 30_000,
});

test('feishu streaming - a stream keeps its place among the other messages of the conversation', async () => {
  const r = await boot();
  const asked = r.ask();
  r.send({ id: 'before', replyTo: asked, text: 'one moment' });
  r.send({ id: 'o1', replyTo: asked, stream: true, text: 'Counting' });
  r.send({ id: 'o1.1', edit: 'o1', text: 'Counting… 40' });
  r.send({ id: 'o1.2', edit: 'o1', done: true, text: 'Counting… 42 in all' });
  r.send({ id: 'after', replyTo: asked, text: 'anything else?' });
  await r.receipt('after');
  expect(r.emu.sent.map((m) => r.emu.shownText(m.messageId))).toEqual(['one moment', 'Counting… 42 in all', 'anything else?']);
  const calls = r.calls('create', 'reply', ...CARD_APIS);
  expect(calls.slice(0, 3)).toEqual(['reply', 'cardCreate', 'reply']);
  expect(calls.slice(-2)).toEqual(['cardSettings', 'reply']);
  expect(new Set(calls.slice(3, -2))).toEqual(new Set(['cardContent']));
});

test('feishu streaming - done is never lost: Feishu ended the streaming (time limit), so the card is replaced whole', async () => {
  const r = await boot();
  r.emu.setCardStreamingLimit(300);
  r.send({ id: 'c1', conversation: { id: CHAT }, stream: true, text: 'Part one.' });
  await r.receipt('c1');
  await eventually(() => r.emu.cards[0]?.streaming === false, 'Feishu ending the streaming');
  r.send({ id: 'c1.1', edit: 'c1', text: 'Part one. Part two' });
  await r.receipt('c1.1');
  r.send({ id: 'c1.2', edit: 'c1', done: true, text: 'Part one. Part two. The end.' });
  expect(await r.receipt('c1.2')).toMatchObject({ ok: true, attempts: 1 });
  expect(r.calls(...CARD_APIS)).toEqual(['cardCreate', 'cardContent', 'cardUpdate', 'cardUpdate']);
  expect(r.emu.requests.filter((q) => q.api === 'cardContent').map((q) => q.code)).toEqual([200850]);
  expect(r.emu.sent).toHaveLength(1);
  expect(r.emu.shownText(r.emu.sent[0]!.messageId)).toBe('Part one. Part two. The end.');
  expect(r.emu.cards[0]).toMatchObject({ streaming: false, closedBy: 'timeout' });
});

test('feishu streaming - done is never lost: a rate limit (230020) on the final update is waited out and retried', async () => {
  const r = await boot();
  r.send({ id: 'l1', conversation: { id: CHAT }, stream: true, text: 'Almost' });
  await r.receipt('l1');
  r.emu.failNext({ api: 'cardContent', code: 230020 });
  r.send({ id: 'l1.1', edit: 'l1', done: true, text: 'Almost there: done' });
  expect(await r.receipt('l1.1')).toMatchObject({ ok: true, attempts: 2 });
  expect(r.emu.shownText(r.emu.sent[0]!.messageId)).toBe('Almost there: done');
  expect(r.emu.cards[0]).toMatchObject({ streaming: false });
});

test('feishu streaming - a frame whose answer was lost is sent again with the same sequence and uuid: carried out once', async () => {
  const r = await boot('    requestTimeoutMs: 1000\n');
  r.send({ id: 'x1', conversation: { id: CHAT }, stream: true, text: 'One' });
  await r.receipt('x1');
  // Feishu carried out the update but the answer never came (a timeout): the retry repeats it.
  r.emu.setLatency('cardContent', 1500);
  r.send({ id: 'x1.1', edit: 'x1', text: 'One two' });
  await eventually(() => r.emu.cards[0]!.operations.length === 2, 'the first update carried out');
  r.emu.setLatency('cardContent', 0);
  r.send({ id: 'x1.2', edit: 'x1', done: true, text: 'One two three' });
  await r.receipt('x1.2', 30_000);
  expect(r.emu.shownText(r.emu.sent[0]!.messageId)).toBe('One two three');
  expect(r.emu.cards[0]!.operations.map((o) => o.op)).toEqual(['create', 'content', 'content', 'settings']);
}, 40_000);

test('feishu streaming - a stream opened with no text shows a placeholder until the first frame', async () => {
  const r = await boot();
  r.send({ id: 'e1', conversation: { id: CHAT }, stream: true, text: '' });
  await r.receipt('e1');
  expect(r.emu.shownText(r.emu.sent[0]!.messageId)).toBe('…');
  expect(r.emu.cards[0]).toMatchObject({ streaming: true });
  r.send({ id: 'e1.1', edit: 'e1', done: true, text: 'Here it is.' });
  await r.receipt('e1.1');
  expect(r.emu.shownText(r.emu.sent[0]!.messageId)).toBe('Here it is.');
});

test('feishu streaming - the message showing the card fails once: the retry sends the same card, never a second one', async () => {
  const r = await boot();
  r.emu.failNext({ api: 'create', code: 230020 });
  r.send({ id: 'f1', conversation: { id: CHAT }, stream: true, text: 'Working' });
  expect(await r.receipt('f1')).toMatchObject({ ok: true, attempts: 2 });
  r.send({ id: 'f1.done', edit: 'f1', done: true, text: 'Worked.' });
  await r.receipt('f1.done');
  expect(r.calls('cardCreate', 'create')).toEqual(['cardCreate', 'create', 'create']);
  expect(r.emu.cards).toHaveLength(1);
  expect(r.emu.sent).toHaveLength(1);
  expect(r.emu.shownText(r.emu.sent[0]!.messageId)).toBe('Worked.');
});

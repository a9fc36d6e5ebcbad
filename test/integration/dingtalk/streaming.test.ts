import { hundredFrames, snapshot } from '../../support/streaming-cases';
import { dingtalkRig } from './rig';

const { boot } = dingtalkRig();

hundredFrames('dingtalk', 'one AI card and a few full-content updates', {
  boot,
  to: (r) => ({ conversation: { id: r.org.group } }),
  superseded: 90,
  calls: {
    of: (r) => r.emu.requests.filter((q) => q.path === '/v1.0/card/streaming').map((q) => q.path),
    are: 'card/streaming calls',
    atMost: 6,
  },
  check: (r, { open, final }) => {
    const [card] = r.emu.cardsIn(r.org.group);
    expect(r.emu.cards.size).toBe(1);
    expect(open.messageIds).toEqual([card!.outTrackId]);
    expect(card).toMatchObject({
      space: 'IM_GROUP',
      callbackType: 'STREAM',
      templateId: r.org.template.id,
      content: final,
      finalized: true,
    });
    expect(card!.frames.at(-1)).toMatchObject({ content: final, isFinalize: true, isError: false });
    expect(card!.frames.slice(0, -1).every((f) => !f.isFinalize)).toBe(true);
    expect(r.emu.sent).toHaveLength(0);
  },
});

test('dingtalk streaming - a direct stream goes to IM_ROBOT of the user; buttons on the final frame are put on the card', async () => {
  const r = await boot();
  r.send({ id: 's2', conversation: { id: r.org.tom.staffId }, stream: true, text: 'thinking' });
  r.send({ id: 's2.1', edit: 's2', text: 'half' });
  r.send({
    id: 's2.done',
    edit: 's2',
    done: true,
    text: 'Deploy to prod?',
    actions: [
      { id: 'yes', label: 'Yes', style: 'primary', value: 'go' },
      { id: 'no', label: 'No' },
    ],
  });
  expect(await r.receipt('s2.done')).toMatchObject({ ok: true });
  const [card] = r.emu.cardsIn(r.org.tom.staffId);
  expect(card).toMatchObject({ space: 'IM_ROBOT', content: 'Deploy to prod?', finalized: true });
  expect(card!.buttons.map((b) => b.text)).toEqual(['Yes', 'No']);
  expect(card!.buttons.every((b) => /^[A-Za-z0-9_-]{10,24}$/.test(b.token))).toBe(true);
});

test("dingtalk streaming - each frame's guid is the card and the envelope's sequence, so a frame delivered again is the same frame to DingTalk", async () => {
  const r = await boot();
  r.send({ id: 's3', conversation: { id: r.org.group }, stream: true, text: 'a' });
  await r.receipt('s3');
  r.send({ id: 's3.1', edit: 's3', text: 'a b' });
  await r.receipt('s3.1');
  const [card] = r.emu.cardsIn(r.org.group);
  const guids = card!.frames.map((f) => f.guid);
  expect(new Set(guids).size).toBe(guids.length);
  expect(guids[0]).toMatch(new RegExp(`^${card!.outTrackId}\\.\\d+$`));
});

test('dingtalk streaming - without a card template a stream sends only its final text, as one robot message', async () => {
  const r = await boot({ noCards: true });
  r.send({ id: 's4', conversation: { id: r.org.group }, stream: true, text: '' });
  for (let i = 1; i <= 20; i++) r.send({ id: `s4.${i}`, edit: 's4', text: snapshot(i) });
  r.send({ id: 's4.done', edit: 's4', done: true, text: 'the whole answer', format: 'markdown' });
  expect(await r.receipt('s4.done')).toMatchObject({ ok: true });
  expect(r.emu.cards.size).toBe(0);
  expect(r.emu.sentTo(r.org.group).map((s) => [s.msgKey, s.text])).toEqual([['sampleMarkdown', 'the whole answer']]);
  expect(r.gw.logs.messages().some((m) => m.startsWith('no cardTemplateId'))).toBe(true);
});

test('dingtalk streaming - a card template without the streaming key is refused with DingTalk’s code and a hint', async () => {
  const r = await boot({ extra: '    cardContentKey: msgContent\n' });
  r.send({ id: 's5', conversation: { id: r.org.group }, stream: true, text: 'x' });
  await r.receipt('s5');
  r.send({ id: 's5.done', edit: 's5', done: true, text: 'y' });
  const failed = await r.receipt('s5.done');
  expect(failed).toMatchObject({ ok: false, error: { platformCode: 'param.keyInvalid', retryable: false } });
  expect(failed.error!.message).toContain('cardContentKey');
});

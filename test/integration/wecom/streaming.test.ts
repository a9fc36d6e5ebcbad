import { wecomRig, type WeComRun } from './rig';

const { boot } = wecomRig();

async function asked(r: WeComRun, user: string) {
  const said = await r.emu.say({ botId: r.bot.botId, user, text: 'tell me a story' });
  await r.inbox.waitFor(1);
  return said;
}

const streamFrames = (r: WeComRun, reqId: string) =>
  r.emu.frames
    .filter((f) => f.cmd === 'aibot_respond_msg' && f.reqId === reqId)
    .map((f) => f.body!.stream as { content: string; finish: boolean });

describe('wecom streaming', () => {
  test('wecom streaming - an agent stream fills the reply stream natively: frames merged, the final exact, one stream id', async () => {
    const r = await boot();
    const said = await asked(r, 'zhangsan');
    r.send({ id: 's1', replyTo: said.msgid, stream: true, text: '' });
    const words = ['Once', 'upon', 'a', 'time', 'there', 'was', 'a', 'gateway'];
    let text = '';
    words.forEach((w, i) => {
      text = text ? `${text} ${w}` : w;
      r.send({ id: `s1.${i}`, edit: 's1', text });
    });
    r.send({ id: 's1.done', edit: 's1', done: true, text: `${text}.`, format: 'markdown' });
    const final = await r.receipt('s1.done');
    const receipts = await Promise.all(words.map((_, i) => r.receipt(`s1.${i}`)));
    const [stream] = r.emu.shown('zhangsan');
    expect(stream).toMatchObject({ kind: 'stream', content: 'Once upon a time there was a gateway.', finished: true });
    expect(final).toMatchObject({ ok: true, messageIds: [stream!.id] });
    expect(receipts.every((x) => x.ok)).toBe(true);
    const frames = streamFrames(r, said.reqId);
    // The placeholder, the frames core did not merge, the final: fewer frames than envelopes when merged.
    expect(frames[0]).toEqual({ id: stream!.id, finish: false, content: '' });
    expect(frames.at(-1)).toEqual({ id: stream!.id, finish: true, content: 'Once upon a time there was a gateway.' });
    expect(frames.length).toBe(2 + receipts.filter((x) => !x.superseded).length);
    expect(frames.slice(0, -1).every((f) => !f.finish)).toBe(true);
    expect(r.emu.shown('zhangsan')).toHaveLength(1);
  });

  test('wecom streaming - a frame over 20,480 bytes shows its first 20,480; the final continues in messages', async () => {
    const r = await boot();
    const said = await asked(r, 'lisi');
    const big = `${'段落'.repeat(2000)}\n\n${'结尾'.repeat(2000)}`; // 12,002 + 12,000 bytes
    r.send({ id: 'b1', replyTo: said.msgid, stream: true, text: big });
    expect((await r.receipt('b1')).ok).toBe(true);
    expect(r.emu.shown('lisi')[0]!.content).toBe('段落'.repeat(2000));
    r.send({ id: 'b1.done', edit: 'b1', done: true, text: big });
    expect((await r.receipt('b1.done')).ok).toBe(true);
    expect(r.emu.shown('lisi').map((s) => [s.kind, s.content])).toEqual([
      ['stream', '段落'.repeat(2000)],
      ['markdown', '结尾'.repeat(2000)],
    ]);
  });

  test('wecom streaming - a stream with no message to answer sends only its final text, as a message', async () => {
    const r = await boot();
    r.emu.users.add('wangwu');
    r.send({ id: 'p1', conversation: { id: 'wangwu' }, stream: true, text: '' });
    r.send({ id: 'p1.1', edit: 'p1', text: 'partial' });
    r.send({ id: 'p1.done', edit: 'p1', done: true, text: 'complete answer' });
    expect(await r.receipt('p1.done')).toMatchObject({ ok: true });
    expect(r.emu.shown('wangwu').map((s) => [s.kind, s.content])).toEqual([['markdown', 'complete answer']]);
  });

  test("wecom streaming - past WeCom's stream limit (846608) the final text still arrives, as a message; the receipt is ok", async () => {
    const r = await boot({ emulator: { streamLimitMs: 1500 } });
    const said = await asked(r, 'zhaoliu');
    r.send({ id: 'x1', replyTo: said.msgid, stream: true, text: 'thinking about it' });
    expect((await r.receipt('x1')).ok).toBe(true);
    await new Promise((res) => setTimeout(res, 1600)); // WeCom's clock: the stream's window passes
    r.send({ id: 'x1.1', edit: 'x1', text: 'thinking about it more' });
    r.send({ id: 'x1.done', edit: 'x1', done: true, text: 'the answer, late' });
    const [frame, done] = await Promise.all([r.receipt('x1.1'), r.receipt('x1.done')]);
    expect(frame.ok).toBe(true);
    expect(done).toMatchObject({ ok: true, attempts: 1 });
    expect(r.emu.shown('zhaoliu').map((s) => [s.kind, s.content, s.finished])).toEqual([
      ['stream', 'thinking about it', false],
      ['markdown', 'the answer, late', undefined],
    ]);
    expect(r.gw.logs.messages()).toContain('WeCom stream window over: the final text is sent as a new message');
  });

  test('wecom streaming - within its own stream window the channel sends no frame WeCom would refuse', async () => {
    const r = await boot({ extra: '    streamWindowMs: 1000\n' });
    const said = await asked(r, 'sunba');
    await new Promise((res) => setTimeout(res, 1100)); // the answer comes after the window
    r.send({ id: 'w1', replyTo: said.msgid, text: 'slow answer' });
    expect((await r.receipt('w1')).ok).toBe(true);
    expect(streamFrames(r, said.reqId)).toHaveLength(1);
    expect(r.emu.shown('sunba').map((s) => [s.kind, s.content])).toEqual([
      ['stream', ''],
      ['markdown', 'slow answer'],
    ]);
  });
});

import { Buffer } from 'node:buffer';
import { wecomRig } from './rig';

const { boot } = wecomRig();

const respondFrames = (r: { emu: { frames: Array<{ cmd: string; reqId: string; body?: Record<string, unknown> }> } }, reqId: string) =>
  r.emu.frames.filter((f) => f.cmd === 'aibot_respond_msg' && f.reqId === reqId).map((f) => f.body!.stream as Record<string, unknown>);

describe('wecom outbound', () => {
  test("wecom outbound - a reply is the final frame of the message's reply stream; the receipt names the stream", async () => {
    const r = await boot();
    const said = await r.emu.say({ botId: r.bot.botId, user: 'zhangsan', text: 'how many?' });
    await r.inbox.waitFor(1);
    r.send({ id: 'r1', replyTo: said.msgid, text: '**42** new customers', format: 'markdown' });
    const receipt = await r.receipt('r1');
    const [stream] = r.emu.shown('zhangsan');
    expect(stream).toMatchObject({ kind: 'stream', answers: said.msgid, content: '**42** new customers', finished: true, frames: 2 });
    expect(receipt).toMatchObject({ ok: true, attempts: 1, messageIds: [stream!.id] });
    expect(respondFrames(r, said.reqId)).toEqual([
      { id: stream!.id, finish: false, content: '' },
      { id: stream!.id, finish: true, content: '**42** new customers' },
    ]);
  });

  test('wecom outbound - a message by conversation.id, and a second answer to one message, go as markdown messages', async () => {
    const r = await boot();
    const said = await r.emu.say({ botId: r.bot.botId, user: 'lisi', text: 'hi' });
    await r.inbox.waitFor(1);
    r.send({ id: 'a1', replyTo: said.msgid, text: 'first answer' });
    const a1 = await r.receipt('a1');
    r.send({ id: 'a2', replyTo: said.msgid, conversation: { id: 'lisi' }, text: 'second answer' });
    r.send({ id: 'g1', conversation: { id: r.group }, text: 'to the group' });
    const [a2, g1] = await Promise.all(['a2', 'g1'].map((id) => r.receipt(id)));
    expect([a1.ok, a2!.ok, g1!.ok]).toEqual([true, true, true]);
    expect(r.emu.shown('lisi').map((s) => [s.kind, s.content])).toEqual([
      ['stream', 'first answer'],
      ['markdown', 'second answer'],
    ]);
    expect(r.emu.shown(r.group).map((s) => [s.kind, s.content])).toEqual([['markdown', 'to the group']]);
    expect(a1.messageIds).toEqual([r.emu.shown('lisi')[0]!.id]);
    expect(a2!.messageIds).toEqual([r.emu.shown('lisi')[1]!.id]);
    expect(g1!.messageIds).toEqual([r.emu.shown(r.group)[0]!.id]);
  });

  test('wecom outbound - text over 20,480 bytes: the first piece in the reply stream, the rest as messages, none over the limit', async () => {
    const r = await boot();
    const said = await r.emu.say({ botId: r.bot.botId, user: 'wangwu', text: 'long please' });
    await r.inbox.waitFor(1);
    const paragraph = `${'数据'.repeat(1000)}\n\n`; // 6,002 bytes
    const text = paragraph.repeat(8).trim();
    r.send({ id: 'long1', replyTo: said.msgid, text });
    const receipt = await r.receipt('long1');
    const shown = r.emu.shown('wangwu');
    expect(shown.map((s) => s.kind)).toEqual(['stream', 'markdown', 'markdown']);
    for (const s of shown) expect(Buffer.byteLength(s.content)).toBeLessThanOrEqual(20_480);
    expect(shown.map((s) => s.content).join('\n\n')).toBe(text);
    expect(receipt.messageIds).toEqual(shown.map((s) => s.id));
  });

  test('wecom outbound - a rate limit (45009) is retried; a refusal (93006) fails at once with the errcode; nothing is sent twice', async () => {
    const r = await boot();
    r.emu.users.add('zhaoliu');
    r.emu.failNext('aibot_send_msg', 'rateLimited');
    r.send({ id: 'rl1', conversation: { id: 'zhaoliu' }, text: 'after a rate limit' });
    expect(await r.receipt('rl1')).toMatchObject({ ok: true, attempts: 2 });
    r.send({ id: 'bad1', conversation: { id: 'nobody-here' }, text: 'to nobody' });
    expect(await r.receipt('bad1')).toMatchObject({
      ok: false,
      attempts: 1,
      error: { code: 'E_PLATFORM', platformCode: 93006, retryable: false },
    });
    expect(r.emu.shown('zhaoliu').map((s) => s.content)).toEqual(['after a rate limit']);
  });

  test('wecom outbound - content over the limit (45002) is E_TOO_LARGE; replyTo of an unknown message needs conversation.id', async () => {
    const r = await boot();
    r.emu.users.add('sunba');
    r.emu.failNext('aibot_send_msg', 'tooLong');
    r.send({ id: 'big1', conversation: { id: 'sunba' }, text: 'refused as too long' });
    expect(await r.receipt('big1')).toMatchObject({ ok: false, error: { code: 'E_TOO_LARGE', platformCode: 45002 } });
    r.send({ id: 'orphan1', replyTo: 'msg-never-seen', text: 'to what?' });
    const orphan = await r.receipt('orphan1');
    expect(orphan).toMatchObject({ ok: false, error: { code: 'E_SCHEMA' } });
    expect(orphan.error!.message).toContain('set conversation.id');
  });

  test('wecom outbound - an edit of a sent message is E_UNSUPPORTED (WeCom cannot change it); a recall is not offered', async () => {
    const r = await boot();
    r.emu.users.add('zhoujiu');
    r.send({ id: 'm1', conversation: { id: 'zhoujiu' }, text: 'sent' });
    expect((await r.receipt('m1')).ok).toBe(true);
    r.send({ id: 'm1e', edit: 'm1', text: 'changed' });
    r.send({ id: 'm1d', delete: 'm1' });
    const [edit, del] = await Promise.all([r.receipt('m1e'), r.receipt('m1d')]);
    expect(edit).toMatchObject({ ok: false, error: { code: 'E_UNSUPPORTED' } });
    expect(edit.error!.message).toContain('WeCom cannot change a message once sent');
    expect(del).toMatchObject({ ok: false, error: { code: 'E_UNSUPPORTED' } });
    expect(r.emu.shown('zhoujiu').map((s) => s.content)).toEqual(['sent']);
  });
});

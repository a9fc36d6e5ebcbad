import type { InboundEnvelope, InboundMember } from '../../../core/contract/schemas';
import { eventually, inboundBarrier } from '../../support';
import { client } from '../../support/harness';
import { wecomRig } from './rig';

const { t, boot } = wecomRig();

describe('wecom inbound', () => {
  test('wecom inbound - a single-chat text becomes an envelope; its reply stream opens once, which stops WeCom pushing it again', async () => {
    const r = await boot();
    const out = await r.emu.say({ botId: r.bot.botId, user: 'zhangsan', text: 'how many customers?' });
    expect(out).toMatchObject({ delivered: true, replied: true, pushes: 1 });
    const [env] = (await r.inbox.waitFor(1)) as InboundEnvelope[];
    expect(env).toMatchObject({
      kind: 'message',
      id: `wecom:default:${out.msgid}`,
      channel: 'wecom',
      conversation: { id: 'zhangsan', type: 'direct' },
      sender: { id: 'zhangsan', kind: 'user' },
      message: { id: out.msgid, text: 'how many customers?', parts: [{ type: 'text', text: 'how many customers?' }] },
      session: 'wecom:default:zhangsan',
    });
    const stream = r.emu.shown('zhangsan');
    expect(stream).toEqual([expect.objectContaining({ kind: 'stream', answers: out.msgid, content: '', finished: false, frames: 1 })]);
  });

  test('wecom inbound - a callback pushed again (same msgid) gives one envelope and no second reply stream', async () => {
    const r = await boot();
    const out = await r.emu.say({ botId: r.bot.botId, user: 'lisi', text: 'once' });
    await r.emu.repush(out.msgid);
    await r.emu.repush(out.msgid);
    await r.gw.inboundBarrier((text) => r.emu.say({ botId: r.bot.botId, user: 'lisi', text }));
    expect(r.inbox.items.map((e) => e.id)).toEqual([`wecom:default:${out.msgid}`]);
    expect(r.emu.shown('lisi').filter((s) => s.answers === out.msgid)).toHaveLength(1);
    expect(r.emu.frames.filter((f) => f.cmd === 'aibot_respond_msg' && f.reqId === out.reqId)).toHaveLength(1);
  });

  test('wecom inbound - group messages reach the bot only with a mention; they are mentioned, @<botName> a mention part', async () => {
    const r = await boot({ extra: '    groupPolicy: mention\n    botName: Data Bot\n' });
    const silent = await r.emu.say({ botId: r.bot.botId, user: 'wangwu', chat: r.group, text: 'not for the bot' });
    expect(silent.delivered).toBe(false);
    await r.emu.say({ botId: r.bot.botId, user: 'wangwu', chat: r.group, text: 'sales this week?', mention: true });
    const [env] = (await r.inbox.waitFor(1)) as InboundEnvelope[];
    expect(env).toMatchObject({
      conversation: { id: r.group, type: 'group' },
      sender: { id: 'wangwu' },
      message: {
        text: '@Data Bot sales this week?',
        mentioned: true,
        parts: [
          { type: 'mention', id: 'bot', name: 'Data Bot', self: true },
          { type: 'text', text: ' sales this week?' },
        ],
      },
      session: `wecom:default:${r.group}:wangwu`,
    });
  });

  test('wecom inbound - a sender outside allowFrom is dropped, never answered; groupPolicy off drops groups', async () => {
    const r = await boot({ allowFrom: '["zhangsan"]', extra: '    groupPolicy: "off"\n' });
    const denied = await r.emu.say({ botId: r.bot.botId, user: 'stranger', text: 'let me in' });
    expect(denied).toMatchObject({ delivered: true, replied: false, pushes: 3 });
    await r.emu.say({ botId: r.bot.botId, user: 'zhangsan', chat: r.group, text: 'in a group', mention: true });
    await r.gw.inboundBarrier((text) => r.emu.say({ botId: r.bot.botId, user: 'zhangsan', text }));
    expect(r.inbox.items).toEqual([]);
    expect(r.emu.shown('stranger')).toEqual([]);
    expect(r.gw.logs.lines.some((l) => JSON.stringify(l).includes('stranger'))).toBe(true);
  });

  test('wecom inbound - voice is its transcription; image, file and mixed messages are media parts', async () => {
    const r = await boot();
    const user = 'zhaoliu';
    await r.emu.say({ botId: r.bot.botId, user, voice: 'voice to text' });
    await r.emu.say({ botId: r.bot.botId, user, image: Buffer.from('png') });
    await r.emu.say({ botId: r.bot.botId, user, file: { bytes: Buffer.from('pdf'), name: 'report.pdf' } });
    await r.emu.say({ botId: r.bot.botId, user, mixed: ['look', Buffer.from('img')] });
    const envs = (await r.inbox.waitFor(4)) as InboundEnvelope[];
    expect(envs.map((e) => e.message.parts)).toEqual([
      [{ type: 'text', text: 'voice to text' }],
      [{ type: 'image', ref: 'image-0' }],
      [{ type: 'file', ref: 'file-0' }],
      [
        { type: 'text', text: 'look' },
        { type: 'image', ref: 'image-0' },
      ],
    ]);
  });

  test('wecom inbound - enter_chat is a member "opened" event when asked for; the bot-self never comes back as a message', async () => {
    const r = await boot({ extra: '    events: [message, action, member]\n' });
    await r.emu.enterChat(r.bot.botId, 'qianqi');
    const [ev] = (await r.inbox.waitFor(1)) as InboundMember[];
    expect(ev).toMatchObject({
      kind: 'member',
      member: { change: 'opened' },
      conversation: { id: 'qianqi', type: 'direct' },
      sender: { id: 'qianqi' },
    });
    r.send({ id: 'hello-1', conversation: { id: 'qianqi' }, text: 'welcome' });
    expect(await r.receipt('hello-1')).toMatchObject({ ok: true, messageIds: [expect.any(String)] });
    expect(r.emu.shown('qianqi')).toEqual([expect.objectContaining({ kind: 'markdown', content: 'welcome' })]);
    await r.gw.inboundBarrier((text) => r.emu.say({ botId: r.bot.botId, user: 'qianqi', text }));
    expect(r.inbox.items.filter((e) => e.kind === 'message')).toEqual([]);
  });

  test('wecom inbound - while NATS is down a message is not answered; WeCom pushes it again and it arrives once', async () => {
    const r = await boot({ emulator: { replyWindowMs: 1500, pushes: 8 } });
    await t.nats.stop();
    const said = r.emu.say({ botId: r.bot.botId, user: 'zhouba', text: 'during the outage' });
    await eventually(
      () => r.gw.logs.messages().includes('WeCom callback not stored; WeCom pushes it again'),
      'the callback not stored',
      20_000,
    );
    expect(r.emu.frames.filter((f) => f.cmd === 'aibot_respond_msg')).toEqual([]);
    await t.nats.restart();
    const nc2 = await client(t.nats.url);
    t.defer(() => nc2.close());
    const late = await t.collect<InboundEnvelope>(`${r.prefix}.in.>`, nc2);
    const out = await said;
    expect(out).toMatchObject({ replied: true });
    expect(out.pushes).toBeGreaterThan(1);
    await late.waitFor(1);
    await inboundBarrier(late, (text) => r.emu.say({ botId: r.bot.botId, user: 'zhouba', text }));
    expect(late.items.map((e) => e.message.text)).toEqual(['during the outage']);
  }, 60_000);
});

import { randomBytes } from 'node:crypto';
import type { InboundEnvelope } from '../../../core/contract/schemas';
import { mediaOf } from '../../support/media-cases';
import { wecomRig } from './rig';

const rig = wecomRig();
const media = mediaOf(rig.t, 'wecom.default');

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(700 * 1024)]);

describe('wecom media', () => {
  test('wecom media - an inbound image is downloaded and decrypted (AES key of the message) into the bucket; bytes exact', async () => {
    const r = await rig.boot();
    await r.emu.say({ botId: r.bot.botId, user: 'zhangsan', image: PNG });
    const [env] = (await r.inbox.waitFor(1)) as InboundEnvelope[];
    const reply = await media.ask(r, { messageId: env!.message.id, ref: 'image-0', type: 'image' });
    expect(reply).toMatchObject({ ok: true, size: PNG.length, mime: 'image/png', name: 'image.png' });
    expect((await media.stored(r, reply)).equals(PNG)).toBe(true);
    const other = await media.ask(r, { messageId: env!.message.id, ref: 'file-3', type: 'file' });
    expect(other).toMatchObject({ ok: false, error: { code: 'E_PLATFORM' } });
  });

  test("wecom media - WeCom's URLs expire after 5 minutes: a late download fails clearly; media.eager stores the file at once", async () => {
    const r = await rig.boot({ emulator: { mediaUrlTtlMs: 300 }, extra: '    media:\n      eager: [file]\n' });
    await r.emu.say({ botId: r.bot.botId, user: 'lisi', image: PNG });
    const file = Buffer.from('%PDF-1.4 quarterly report');
    await r.emu.say({ botId: r.bot.botId, user: 'lisi', file: { bytes: file, name: 'q3.pdf' } });
    const [img, doc] = (await r.inbox.waitFor(2)) as InboundEnvelope[];
    expect(doc!.message.parts[0]).toMatchObject({
      type: 'file',
      ref: 'file-0',
      object: expect.any(String),
      size: file.length,
      mime: 'application/pdf',
    });
    await new Promise((res) => setTimeout(res, 400)); // the image's URL expires
    const late = await media.ask(r, { messageId: img!.message.id, ref: 'image-0', type: 'image' });
    expect(late).toMatchObject({ ok: false, error: { code: 'E_PLATFORM' } });
    expect((late as { error: { message: string } }).error.message).toContain('expire 5 minutes');
  });

  test('wecom media - attachments are uploaded in 512 KB chunks and sent as media messages after the text; bytes exact', async () => {
    const r = await rig.boot();
    const agent = await media.agent(r);
    await r.emu.say({ botId: r.bot.botId, user: 'wangwu', text: 'the report please' });
    const [env] = (await r.inbox.waitFor(1)) as InboundEnvelope[];
    const csv = randomBytes(1300 * 1024);
    const a = await agent.upload(csv, { name: 'result.csv', mime: 'text/csv' });
    const b = await agent.upload(PNG, { name: 'chart.png', mime: 'image/png', kind: 'image' });
    const receipt = await agent.reply(env!, { text: 'here it is', attachments: [a, b] });
    expect(receipt.ok).toBe(true);
    const shown = r.emu.shown('wangwu');
    expect(shown.map((s) => [s.kind, s.content || s.media?.filename])).toEqual([
      ['stream', 'here it is'],
      ['file', 'result.csv'],
      ['image', 'chart.png'],
    ]);
    expect(shown[1]!.media!.bytes.equals(csv)).toBe(true);
    expect(shown[2]!.media!.bytes.equals(PNG)).toBe(true);
    expect(receipt.messageIds).toEqual(shown.map((s) => s.id));
    expect(r.emu.frames.filter((f) => f.cmd === 'aibot_upload_media_chunk')).toHaveLength(3 + 2);
  });

  test("wecom media - an image over WeCom's 10 MB is E_TOO_LARGE naming the limit; nothing is uploaded", async () => {
    const r = await rig.boot();
    const agent = await media.agent(r);
    r.emu.users.add('zhaoliu');
    const big = await agent.upload(randomBytes(10 * 1024 * 1024 + 1), { name: 'huge.png', mime: 'image/png', kind: 'image' });
    r.send({ id: 'big1', conversation: { id: 'zhaoliu' }, text: 'huge', attachments: [big] });
    const refused = await r.receipt('big1', 30_000);
    expect(refused).toMatchObject({ ok: false, error: { code: 'E_TOO_LARGE' } });
    expect(refused.error!.message).toContain('10485760 bytes');
    expect(r.emu.frames.filter((f) => f.cmd.startsWith('aibot_upload_media'))).toEqual([]);
  });
});

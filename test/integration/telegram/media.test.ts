import { createHash, randomBytes } from 'node:crypto';
import { csvAndChart, digest, firstMessage, mediaOf } from '../../support/media-cases';
import { expectFailedAtOnce } from '../../support/receipt-checks';
import { telegramRig, type TelegramRun } from './rig';

const rig = telegramRig();
const media = mediaOf(rig.t, 'telegram.default');

const sha = (b: Buffer) => createHash('sha256').update(b).digest('base64url');

/** Tom sends a file in the DM; resolves the stored envelope. */
async function sent(r: TelegramRun, media: 'photo' | 'document', data: Buffer, name?: string, mime?: string) {
  r.emu.userMessage(r.bot, {
    chat: r.dm,
    from: r.tom,
    media:
      media === 'photo'
        ? { type: 'photo' }
        : { type: 'document', ...(name ? { fileName: name } : {}), ...(mime ? { mimeType: mime } : {}) },
    caption: 'see attached',
    file: { data, ...(mime ? { mime } : {}), ...(name ? { name } : {}) },
  });
  return firstMessage(r.inbox, 'the message with a file');
}

test('telegram media - getFile and the file download bring a photo into the bucket; bytes and digest exact', async () => {
  const r = await rig.boot();
  const png = randomBytes(300 * 1024);
  const photo = await sent(r, 'photo', png, undefined, 'image/png');
  const part = photo.message.parts[0] as { type: string; ref: string };
  expect(part.type).toBe('image');
  const reply = await media.ask(r, { messageId: photo.message.id, ref: part.ref, type: 'image' });
  expect(reply).toMatchObject({ ok: true, size: png.length, mime: 'image/png', digest: digest(png) });
  expect((await media.stored(r, reply)).equals(png)).toBe(true);
  expect(r.calls('getfile', 'file')).toEqual(['getfile', 'file']);
  // Asked again: the object is there already.
  expect(await media.ask(r, { messageId: photo.message.id, ref: part.ref, type: 'image' })).toMatchObject({
    ok: true,
    digest: digest(png),
  });
  expect(r.calls('getfile', 'file')).toEqual(['getfile', 'file']);
});

test('telegram media - a file over the 20 MB bot download limit is E_TOO_LARGE saying so; an unknown file_id is E_SCHEMA', async () => {
  const r = await rig.boot({ emulator: { downloadLimit: 100_000 } });
  const env = await sent(r, 'document', randomBytes(150_000), 'big.pdf', 'application/pdf');
  const ref = (env.message.parts[0] as { ref: string }).ref;
  const big = await media.ask(r, { messageId: env.message.id, ref, type: 'file' });
  expect(big).toMatchObject({ ok: false, error: { code: 'E_TOO_LARGE' } });
  expect((big as { error: { message: string } }).error.message).toContain(
    'Telegram lets bots download files of at most 20 MB (20971520 bytes); getFile answered "Bad Request: file is too big"',
  );
  const unknown = await media.ask(r, { messageId: env.message.id, ref: 'BQACAgIAAxkBAAInosuch', type: 'file' });
  expect(unknown).toMatchObject({ ok: false, error: { code: 'E_SCHEMA' } });
  expect((unknown as { error: { message: string } }).error.message).toContain('Bad Request: invalid file_id');
  expect(await media.objects(r)).toEqual([]);
});

test('telegram media - attachments go up as multipart sendDocument and sendPhoto, the text as the first caption; bytes exact', async () => {
  const r = await rig.boot();
  const agent = await media.agent(r);
  const env = await sent(r, 'document', Buffer.from('a,b\n1,2\n'), 'q3.csv', 'text/csv');
  const { csv, png, attachments } = await csvAndChart(agent);
  const receipt = await agent.reply(env, { text: 'here it is **now**', format: 'markdown', attachments });
  expect(receipt.ok).toBe(true);
  const out = r.emu.sent.filter((s) => s.botId === r.bot.id);
  expect(out.map((s) => [s.method, s.text, s.file?.name, s.file?.mime])).toEqual([
    ['senddocument', 'here it is now', 'result.csv', 'text/csv'],
    ['sendphoto', '', 'chart.png', 'image/png'],
  ]);
  expect(out[0]!.entities).toEqual([{ type: 'bold', offset: 11, length: 3 }]);
  expect(out.map((s) => s.file!.sha256)).toEqual([sha(csv), sha(png)]);
  expect(r.emu.fileBytes(r.bot, out[1]!.file!.fileId)!.equals(png)).toBe(true);
  expect(out[0]!.replyTo).toBe(Number(env.message.id.split(':')[1]));
  expect(receipt.messageIds).toEqual(out.map((s) => `${r.dm.id}:${s.messageId}`));
});

test('telegram media - a text too long for a caption goes first as a message; oversized uploads end in E_TOO_LARGE with the limit', async () => {
  const r = await rig.boot({ emulator: { photoLimit: 10_000, uploadLimit: 60_000 } });
  const agent = await media.agent(r);
  const doc = await agent.upload(randomBytes(2_000), { name: 'notes.txt', mime: 'text/plain' });
  const long = 'x'.repeat(1500);
  r.send({ id: 'l1', conversation: { id: String(r.dm.id) }, text: long, attachments: [doc] });
  expect(await r.receipt('l1')).toMatchObject({ ok: true });
  expect(r.emu.sent.map((s) => [s.method, s.text.length])).toEqual([
    ['sendmessage', 1500],
    ['senddocument', 0],
  ]);
  const photo = await agent.upload(randomBytes(20_000), { name: 'big.png', mime: 'image/png', kind: 'image' });
  r.send({ id: 'p1', conversation: { id: String(r.dm.id) }, attachments: [photo] });
  expectFailedAtOnce(
    await r.receipt('p1'),
    { code: 'E_TOO_LARGE', retryable: false },
    'PHOTO_SAVE_FILE_INVALID (bots upload photos of at most 10 MB and other files of at most 50 MB)',
  );
  const file = await agent.upload(randomBytes(80_000), { name: 'big.bin' });
  r.send({ id: 'f1', conversation: { id: String(r.dm.id) }, attachments: [file] });
  expect(await r.receipt('f1')).toMatchObject({ ok: false, error: { code: 'E_TOO_LARGE', platformCode: 413 } });
});

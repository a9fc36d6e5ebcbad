import { randomBytes } from 'node:crypto';
import type { InboundEnvelope } from '../../../core/contract/schemas';
import { IMAGE_LIMIT } from '../../emulators/feishu';
import { eventually } from '../../support';
import { CHAT, bootFeishu, feishuEntry, newApp, textEvent, type FeishuApp } from '../../support/feishu';
import { useGatewayTest, type Booted } from '../../support/fixture';
import { loopbackConfig } from '../../support/harness';
import { digest, mediaOf } from '../../support/media-cases';
import { uniquePrefix } from '../../support/nats-server';

const t = useGatewayTest({ emulator: 'feishu' });
const media = mediaOf(t, 'feishu.default');

/** USER sends a message of `messageType` with `content`; resolves its stored envelope. */
async function sent(gw: Booted, app: FeishuApp, messageType: string, content: Record<string, unknown>): Promise<InboundEnvelope> {
  const e = textEvent(t.emu, app, '', { messageType, content });
  await t.emu.pushEvent(app.appId, e);
  const id = (e.event.message as { message_id: string }).message_id;
  await eventually(() => gw.inbox.items.some((x) => x.message?.id === id), `the ${messageType} message`);
  return gw.inbox.items.find((x) => x.message?.id === id) as InboundEnvelope;
}

const downloads = (app: FeishuApp) =>
  t.emu.requests.filter((r) => r.appId === app.appId && r.path.includes('/resources/')).map((r) => [r.query.type, r.status, r.code]);

test('feishu media - an image and a voice note of a message are downloaded (type image / file) into the bucket; bytes and digest exact', async () => {
  const { app, gw } = await bootFeishu(t);
  const png = randomBytes(700 * 1024);
  const opus = randomBytes(90 * 1024);
  const imageKey = t.emu.userFile(app.appId, png, { kind: 'image', mime: 'image/png' });
  const fileKey = t.emu.userFile(app.appId, opus, { kind: 'file', mime: 'audio/opus', name: 'voice.opus' });
  const image = await sent(gw, app, 'image', { image_key: imageKey });
  const voice = await sent(gw, app, 'audio', { file_key: fileKey, duration: 4000 });
  expect(image.message.parts).toEqual([{ type: 'image', ref: imageKey }]);
  expect(voice.message.parts).toEqual([{ type: 'audio', ref: fileKey, durationMs: 4000 }]);
  for (const [env, bytes, mime, type] of [
    [image, png, 'image/png', 'image'],
    [voice, opus, 'audio/opus', 'audio'],
  ] as const) {
    const reply = await media.ask(gw, { messageId: env.message.id, ref: (env.message.parts[0] as { ref: string }).ref, type });
    expect(reply).toMatchObject({ ok: true, size: bytes.length, mime, digest: digest(bytes) });
    expect((await media.stored(gw, reply)).equals(bytes)).toBe(true);
  }
  expect(downloads(app)).toEqual([
    ['image', 200, undefined],
    ['file', 200, undefined],
  ]);
});

test('feishu media - a sticker and a key that is not on the message: clear errors, nothing stored', async () => {
  const { app, gw } = await bootFeishu(t);
  const key = t.emu.userFile(app.appId, randomBytes(1000), { kind: 'image', mime: 'image/png' });
  const sticker = await sent(gw, app, 'sticker', { file_key: 'file_v3_sticker' });
  const plain = await sent(gw, app, 'text', { text: 'no image here' });
  const s = await media.ask(gw, { messageId: sticker.message.id, ref: 'file_v3_sticker', type: 'sticker' });
  expect(s).toMatchObject({ ok: false, error: { code: 'E_UNSUPPORTED' } });
  expect((s as { error: { message: string } }).error.message).toContain('stickers cannot be downloaded');
  const elsewhere = await media.ask(gw, { messageId: plain.message.id, ref: key, type: 'image' });
  expect(elsewhere).toMatchObject({ ok: false, error: { code: 'E_PLATFORM', platformCode: 234003 } });
  expect(downloads(app)).toEqual([['image', 400, 234003]]);
});

test('feishu media - an inbound file over media.maxBytes is refused with the limit', async () => {
  const app = newApp(t.emu);
  const prefix = uniquePrefix();
  const gw = await t.boot(
    loopbackConfig(t.nats.url, prefix, feishuEntry(t.emu.url, app, '    allowFrom: ["*"]\n'), 'media:\n  maxBytes: 100000\n'),
  );
  await t.emu.waitForConnections(app.appId, 1);
  const key = t.emu.userFile(app.appId, randomBytes(200_000), { kind: 'file', mime: 'application/pdf', name: 'big.pdf' });
  const env = await sent(gw, app, 'file', { file_key: key, file_name: 'big.pdf' });
  const reply = await media.ask(gw, { messageId: env.message.id, ref: key, type: 'file' });
  expect(reply).toMatchObject({ ok: false, error: { code: 'E_TOO_LARGE' } });
  expect((reply as { error: { message: string } }).error.message).toContain('100000');
});

test('feishu media - attachments are uploaded (images, files by mime) and sent as image, file, audio and media messages; bytes exact', async () => {
  const { app, gw } = await bootFeishu(t);
  const agent = await media.agent(gw);
  const png = randomBytes(300_000);
  const pdf = randomBytes(200_000);
  const opus = randomBytes(50_000);
  const mp4 = randomBytes(400_000);
  const files = [
    await agent.upload(png, { name: 'chart.png', mime: 'image/png', kind: 'image' }),
    await agent.upload(pdf, { name: 'q3.pdf', mime: 'application/pdf' }),
    await agent.upload(opus, { name: 'note.opus', mime: 'audio/opus', kind: 'audio' }),
    await agent.upload(mp4, { name: 'demo.mp4', mime: 'video/mp4', kind: 'video' }),
  ];
  const id = 'files-1';
  gw.publish('feishu.default', { id, conversation: { id: CHAT }, text: 'here they are', attachments: files });
  const [receipt] = await gw.receipts.waitFor(1);
  expect(receipt).toMatchObject({ id, ok: true });
  const mine = t.emu.sent.filter((s) => s.appId === app.appId);
  expect(mine.map((s) => s.msgType)).toEqual(['text', 'image', 'file', 'audio', 'media']);
  expect(receipt!.messageIds).toEqual(mine.map((s) => s.messageId));
  expect(t.emu.uploads.map((u) => [u.kind, u.fileType, u.name, u.mime])).toEqual([
    ['image', undefined, undefined, 'image/png'],
    ['file', 'pdf', 'q3.pdf', 'application/pdf'],
    ['file', 'opus', 'note.opus', 'audio/opus'],
    ['file', 'mp4', 'demo.mp4', 'video/mp4'],
  ]);
  const keyOf = (c: unknown) => (c as { image_key?: string; file_key?: string }).image_key ?? (c as { file_key: string }).file_key;
  for (const [i, bytes] of [png, pdf, opus, mp4].entries()) {
    const r = t.emu.resource(keyOf(mine[i + 1]!.content))!;
    expect(digest(r.bytes)).toBe(digest(bytes));
  }
});

test('feishu media - an image over 10 MB is E_TOO_LARGE with the limit before any upload; the emulator refuses it with 234006', async () => {
  const { app, gw } = await bootFeishu(t);
  const agent = await media.agent(gw);
  const big = await agent.upload(randomBytes(IMAGE_LIMIT + 1), { name: 'huge.png', mime: 'image/png', kind: 'image' });
  gw.publish('feishu.default', { id: 'huge', conversation: { id: CHAT }, attachments: [big] });
  const [receipt] = await gw.receipts.waitFor(1);
  expect(receipt).toMatchObject({ ok: false, error: { code: 'E_TOO_LARGE' } });
  expect(receipt!.error!.message).toContain('at most 10485760 bytes');
  expect(t.emu.uploads).toEqual([]);
  // The platform's own refusal, for a client that does not check first.
  const token = await fetch(`${t.emu.url}/open-apis/auth/v3/tenant_access_token/internal`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ app_id: app.appId, app_secret: app.appSecret }),
  }).then(async (r) => ((await r.json()) as { tenant_access_token: string }).tenant_access_token);
  const form = new FormData();
  form.append('image_type', 'message');
  form.append('image', new Blob([randomBytes(IMAGE_LIMIT + 1)]), 'huge.png');
  const res = await fetch(`${t.emu.url}/open-apis/im/v1/images`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  expect(res.status).toBe(400);
  expect(await res.json()).toMatchObject({ code: 234006, msg: 'The file size exceed the max value.' });
});

test('feishu media - files without text but with buttons: the buttons go in a card of their own, then the file', async () => {
  const { app, gw } = await bootFeishu(t);
  const agent = await media.agent(gw);
  const csv = await agent.upload(Buffer.from('a,b\n1,2\n'), { name: 'r.csv', mime: 'text/csv' });
  gw.publish('feishu.default', { id: 'fb', conversation: { id: CHAT }, attachments: [csv], actions: [{ id: 'more', label: 'More rows' }] });
  const [receipt] = await gw.receipts.waitFor(1);
  expect(receipt).toMatchObject({ ok: true });
  const mine = t.emu.sent.filter((s) => s.appId === app.appId);
  expect(mine.map((s) => s.msgType)).toEqual(['interactive', 'file']);
  expect(t.emu.buttons(mine[0]!.messageId).map((b) => b.label)).toEqual(['More rows']);
});

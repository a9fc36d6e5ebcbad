import { createHash, randomBytes } from 'node:crypto';
import { Objm } from '@nats-io/obj';
import type { InboundEnvelope, MediaReply } from '../../../core/contract/schemas';
import { AgentClient } from '../../../core/agent';
import { dingtalkRig, type DingTalkRun } from './rig';

const rig = dingtalkRig();
let agent: AgentClient | undefined;
afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

const digest = (b: Buffer) => `SHA-256=${createHash('sha256').update(b).digest('base64').replace(/\+/g, '-').replace(/\//g, '_')}`;

async function ask(r: DingTalkRun, payload: Record<string, unknown>): Promise<MediaReply> {
  const m = await rig.t.nc.request(`${r.prefix}.media.dingtalk.default`, JSON.stringify(payload), { timeout: 15_000 });
  return m.json<MediaReply>();
}

test('dingtalk media - a picture is fetched by downloadCode (messageFiles/download, then its URL) into the bucket; bytes exact', async () => {
  const r = await rig.boot();
  const bytes = randomBytes(300 * 1024);
  const code = r.emu.addFile(r.org.bot.robotCode, bytes, 'image/png');
  await r.emu.message({ robotCode: r.org.bot.robotCode, from: r.org.tom, msgtype: 'picture', content: { downloadCode: code } }).outcome;
  const [env] = (await r.inbound(1)) as InboundEnvelope[];
  const reply = await ask(r, { messageId: env!.message.id, ref: code, type: 'image' });
  expect(reply).toEqual({
    ok: true,
    object: expect.stringMatching(/^dingtalk\/default\//),
    size: bytes.length,
    mime: 'image/png',
    digest: digest(bytes),
  });
  const os = await new Objm(rig.t.nc).open(`${r.prefix}_media`);
  expect(Buffer.from((await os.getBlob((reply as { object: string }).object))!).equals(bytes)).toBe(true);
  expect(r.emu.requests.filter((q) => q.path === '/v1.0/robot/messageFiles/download')).toHaveLength(1);
});

test('dingtalk media - an unknown downloadCode is a clear failure with DingTalk’s code; nothing stored', async () => {
  const r = await rig.boot();
  const reply = await ask(r, { messageId: 'msgX==', ref: 'mIofNnope', type: 'file' });
  expect(reply).toMatchObject({ ok: false, error: { message: expect.stringContaining('invalidParameter.downloadCode.invalid') } });
});

test('dingtalk media - attachments are uploaded (media/upload) and sent as sampleImageMsg and sampleFile after the text; bytes exact', async () => {
  const r = await rig.boot();
  agent = await AgentClient.connect({ servers: rig.t.nats.url, prefix: r.prefix, receiptTimeoutMs: 15_000 });
  const csv = randomBytes(50_000);
  const png = randomBytes(30_000);
  const a = await agent.upload(csv, { name: 'result.csv', mime: 'text/csv' });
  const b = await agent.upload(png, { name: 'chart.png', mime: 'image/png', kind: 'image' });
  r.send({ id: 'm1', conversation: { id: r.org.group }, text: 'here it is', attachments: [a, b] });
  const receipt = await r.receipt('m1');
  expect(receipt).toMatchObject({ ok: true });
  const sent = r.emu.sentTo(r.org.group);
  expect(receipt.messageIds).toEqual(sent.map((s) => s.processQueryKey));
  const [file, image] = r.emu.uploads;
  expect([file!.type, file!.filename, file!.data.equals(csv)]).toEqual(['file', 'result.csv', true]);
  expect([image!.type, image!.filename, image!.data.equals(png)]).toEqual(['image', 'chart.png', true]);
  expect(sent.map((s) => [s.msgKey, s.msgParam])).toEqual([
    ['sampleText', { content: 'here it is' }],
    ['sampleFile', { mediaId: file!.mediaId, fileName: 'result.csv', fileType: 'csv' }],
    ['sampleImageMsg', { photoURL: image!.mediaId }],
  ]);
});

test('dingtalk media - a file over DingTalk’s upload limit is E_TOO_LARGE with its errcode, not retried', async () => {
  const r = await rig.boot({ emulator: { uploadLimits: { file: 10_000 } } });
  agent = await AgentClient.connect({ servers: rig.t.nats.url, prefix: r.prefix, receiptTimeoutMs: 15_000 });
  const big = await agent.upload(randomBytes(20_000), { name: 'big.bin' });
  r.send({ id: 'm2', conversation: { id: r.org.tom.staffId }, attachments: [big] });
  const refused = await r.receipt('m2');
  expect(refused).toMatchObject({ ok: false, attempts: 1, error: { code: 'E_TOO_LARGE', platformCode: 40006, retryable: false } });
  expect(r.emu.sent).toHaveLength(0);
});

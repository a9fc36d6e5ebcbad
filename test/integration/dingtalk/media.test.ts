import { randomBytes } from 'node:crypto';
import type { InboundEnvelope } from '../../../core/contract/schemas';
import { csvAndChart, mediaOf } from '../../support/media-cases';
import { expectFailedAtOnce } from '../../support/receipt-checks';
import { dingtalkRig } from './rig';

const rig = dingtalkRig();
const media = mediaOf(rig.t, 'dingtalk.default');

test('dingtalk media - a picture is fetched by downloadCode (messageFiles/download, then its URL) into the bucket; bytes exact', async () => {
  const r = await rig.boot();
  const bytes = randomBytes(300 * 1024);
  const code = r.emu.addFile(r.org.bot.robotCode, bytes, 'image/png');
  await r.emu.message({ robotCode: r.org.bot.robotCode, from: r.org.tom, msgtype: 'picture', content: { downloadCode: code } }).outcome;
  const [env] = (await r.inbound(1)) as InboundEnvelope[];
  await media.expectFetched(r, { messageId: env!.message.id, ref: code, type: 'image' }, bytes, {
    object: /^dingtalk\/default\//,
    mime: 'image/png',
  });
  expect(r.emu.requests.filter((q) => q.path === '/v1.0/robot/messageFiles/download')).toHaveLength(1);
});

test('dingtalk media - an unknown downloadCode is a clear failure with DingTalk’s code; nothing stored', async () => {
  const r = await rig.boot();
  const reply = await media.ask(r, { messageId: 'msgX==', ref: 'mIofNnope', type: 'file' });
  expect(reply).toMatchObject({ ok: false, error: { message: expect.stringContaining('invalidParameter.downloadCode.invalid') } });
});

test('dingtalk media - attachments are uploaded (media/upload) and sent as sampleImageMsg and sampleFile after the text; bytes exact', async () => {
  const r = await rig.boot();
  const { csv, png, attachments } = await csvAndChart(await media.agent(r), 50_000);
  r.send({ id: 'm1', conversation: { id: r.org.group }, text: 'here it is', attachments });
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
  const big = await (await media.agent(r)).upload(randomBytes(20_000), { name: 'big.bin' });
  r.send({ id: 'm2', conversation: { id: r.org.tom.staffId }, attachments: [big] });
  expectFailedAtOnce(await r.receipt('m2'), { code: 'E_TOO_LARGE', platformCode: 40006, retryable: false });
  expect(r.emu.sent).toHaveLength(0);
});

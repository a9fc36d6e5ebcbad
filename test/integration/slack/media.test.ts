import { randomBytes } from 'node:crypto';
import { csvAndChart, firstMessage, mediaOf } from '../../support/media-cases';
import { expectFailedAtOnce } from '../../support/receipt-checks';
import { slackRig, type SlackRun } from './rig';

const rig = slackRig();
const media = mediaOf(rig.t, 'slack.default');

/** Tom sends files in the DM; resolves the stored envelope. */
async function sent(r: SlackRun, files: Array<{ id: string; name: string; mimetype: string; bytes: Buffer }>) {
  r.emu.post({ channel: r.ws.dm, user: r.ws.tom.id, text: 'see attached', files });
  return firstMessage(r.inbox, 'the message with files');
}

test('slack media - a file of a message is fetched from url_private with the bot token into the bucket; bytes and digest exact', async () => {
  const r = await rig.boot();
  const bytes = randomBytes(600 * 1024);
  const env = await sent(r, [{ id: 'F0CHART01', name: 'chart.png', mimetype: 'image/png', bytes }]);
  expect(env.message.parts).toContainEqual({ type: 'image', ref: 'F0CHART01', name: 'chart.png' });
  await media.expectFetched(r, { messageId: env.message.id, ref: 'F0CHART01', type: 'image' }, bytes, {
    object: /^slack\/default\/in\//,
    mime: 'image/png',
    name: 'chart.png',
  });
  expect(r.emu.fileRequests.filter((f) => f.method === 'GET')).toEqual([
    expect.objectContaining({ fileId: 'F0CHART01', auth: 'bot', status: 200 }),
  ]);
  expect(r.calls('files.info')).toEqual(['files.info']);
});

test('slack media - another message, an unknown file, a download broken halfway, an oversized file: clear errors, nothing stored', async () => {
  const r = await rig.boot({ top: 'media:\n  maxBytes: 100000\n' });
  const env = await sent(r, [
    { id: 'F0BIG0001', name: 'big.pdf', mimetype: 'application/pdf', bytes: randomBytes(200_000) },
    { id: 'F0CUT0001', name: 'cut.pdf', mimetype: 'application/pdf', bytes: randomBytes(50_000) },
  ]);
  const other = r.emu.post({ channel: r.ws.dm, user: r.ws.tom.id, text: 'no files here' });
  await other.deliveries;
  const elsewhere = await media.ask(r, { messageId: `${r.ws.dm}:${other.ts}`, ref: 'F0CUT0001', type: 'file' });
  expect(elsewhere).toMatchObject({ ok: false, error: { code: 'E_PLATFORM', platformCode: 'file_not_found' } });
  expect((elsewhere as { error: { message: string } }).error.message).toContain(`is not on message ${r.ws.dm}:${other.ts}`);
  expect(await media.ask(r, { messageId: env.message.id, ref: 'F0NOSUCH01', type: 'file' })).toMatchObject({
    ok: false,
    error: { code: 'E_PLATFORM', platformCode: 'file_not_found' },
  });
  expect(await media.ask(r, { messageId: env.message.id, ref: 'F0BIG0001', type: 'file' })).toMatchObject({
    ok: false,
    error: { code: 'E_TOO_LARGE', message: 'the file is larger than 100000 bytes (media.maxBytes)' },
  });
  r.emu.failDownload('F0CUT0001', 1000);
  expect(await media.ask(r, { messageId: env.message.id, ref: 'F0CUT0001', type: 'file' })).toMatchObject({
    ok: false,
    error: { code: 'E_PLATFORM' },
  });
  expect(await media.objects(r)).toEqual([]);
  // The same file asked again once Slack serves it whole: stored.
  expect(await media.ask(r, { messageId: env.message.id, ref: 'F0CUT0001', type: 'file' })).toMatchObject({ ok: true, size: 50_000 });
});

test('slack media - without the files:read scope the error names it', async () => {
  const r = await rig.boot({ scopes: ['chat:write', 'im:history', 'users:read'] });
  const env = await sent(r, [{ id: 'F0IMG0001', name: 'a.png', mimetype: 'image/png', bytes: randomBytes(100) }]);
  const reply = await media.ask(r, { messageId: env.message.id, ref: 'F0IMG0001', type: 'image' });
  expect(reply).toMatchObject({ ok: false, error: { code: 'E_PLATFORM', platformCode: 'missing_scope' } });
  expect((reply as { error: { message: string } }).error.message).toContain('files:read');
});

test('slack media - attachments go up with the external upload flow into the thread, with the text as their comment; bytes exact', async () => {
  const r = await rig.boot();
  const agent = await media.agent(r);
  const env = await sent(r, [{ id: 'F0IN00001', name: 'q3.csv', mimetype: 'text/csv', bytes: Buffer.from('a,b\n1,2\n') }]);
  const { csv, png, attachments } = await csvAndChart(agent);
  const receipt = await agent.reply(env, { text: 'here it is', attachments });
  expect(receipt.ok).toBe(true);
  const share = r.posts().find((p) => p.via === 'files.completeUploadExternal')!;
  const asked = env.message.id.split(':')[1]!;
  expect(share).toMatchObject({ channel: r.ws.dm, text: 'here it is', threadRoot: asked });
  expect(receipt.messageIds).toEqual([`${r.ws.dm}:${share.ts}`]);
  const files = r.emu.message(r.ws.dm, share.ts)!.files!.map((id) => r.emu.file(id)!);
  expect(files.map((f) => [f.name, f.bytes!.equals(f.name === 'result.csv' ? csv : png)])).toEqual([
    ['result.csv', true],
    ['chart.png', true],
  ]);
  expect(r.calls('files.getUploadURLExternal', 'files.completeUploadExternal', 'chat.postMessage')).toEqual([
    'files.getUploadURLExternal',
    'files.getUploadURLExternal',
    'files.completeUploadExternal',
  ]);
});

test('slack media - text with buttons goes before the files; a file over the workspace limit is E_TOO_LARGE', async () => {
  const r = await rig.boot({ emulator: { maxUploadBytes: 10_000 } });
  const agent = await media.agent(r);
  const small = await agent.upload(randomBytes(5_000), { name: 'small.bin' });
  r.send({
    id: 'f1',
    conversation: { id: r.ws.channel },
    text: 'Keep it?',
    actions: [{ id: 'keep', label: 'Keep' }],
    attachments: [small],
  });
  const ok = await r.receipt('f1');
  expect(ok.messageIds).toHaveLength(2);
  expect(r.posts().map((p) => [p.via, p.text])).toEqual([
    ['chat.postMessage', 'Keep it?'],
    ['files.completeUploadExternal', ''],
  ]);
  const big = await agent.upload(randomBytes(20_000), { name: 'big.bin' });
  r.send({ id: 'f2', conversation: { id: r.ws.channel }, attachments: [big], text: 'big' });
  expectFailedAtOnce(
    await r.receipt('f2'),
    { code: 'E_TOO_LARGE', platformCode: 'file_upload_size_restricted' },
    'larger than this workspace takes',
  );
});

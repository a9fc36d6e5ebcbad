/**
 * The emulator's files driven by the REAL @slack/web-api WebClient: the external upload flow as
 * `files.uploadV2` runs it, files.info, and `url_private` downloads with the bot token, with Slack's
 * refusals (size, missing upload, scope, the sign-in page for a request it does not accept).
 */
import { createHash, randomBytes } from 'node:crypto';
import { SlackEmulator } from './index';
import { slackError, webClient, world } from './sdk-clients';

let emu: SlackEmulator;

afterEach(async () => {
  await emu?.stop();
});

async function start(opts: ConstructorParameters<typeof SlackEmulator>[0] = {}, scopes?: string[]) {
  emu = new SlackEmulator({ echoBotMessages: false, ...opts });
  await emu.start();
  const w = world(emu, scopes ? { scopes } : {});
  return { ...w, web: webClient(emu, w.app.botToken) };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('slack emulator - files.uploadV2 (getUploadURLExternal, upload, completeUploadExternal) shares real bytes in the thread', async () => {
  const { app, tom, channel, web } = await start();
  const ask = emu.post({ channel, user: tom.id, text: 'the chart please' });
  const bytes = randomBytes(200_000);
  const r = await web.filesUploadV2({
    channel_id: channel,
    thread_ts: ask.ts,
    initial_comment: 'here it is',
    file_uploads: [{ file: bytes, filename: 'chart.png' }],
  });
  expect(r.ok).toBe(true);
  const fileId = (r.files[0] as { files: Array<{ id: string }> }).files[0]!.id;
  expect(emu.requests.map((q) => q.method)).toEqual(['files.getUploadURLExternal', 'files.completeUploadExternal']);
  expect(emu.fileRequests).toEqual([expect.objectContaining({ method: 'POST', fileId, status: 200, bytes: bytes.length })]);
  const post = emu.posted.at(-1)!;
  expect(post).toMatchObject({ via: 'files.completeUploadExternal', channel, text: 'here it is', threadRoot: ask.ts });
  expect(sha(emu.file(fileId)!.bytes!)).toBe(sha(bytes));

  const info = await web.files.info({ file: fileId });
  expect(info.file).toMatchObject({ id: fileId, name: 'chart.png', mimetype: 'image/png', size: bytes.length, user: app.botUserId });
  expect(info.file!.shares!.public![channel]).toEqual([expect.objectContaining({ ts: post.ts, thread_ts: ask.ts })]);
  const res = await fetch(info.file!.url_private!, { headers: { authorization: `Bearer ${app.botToken}` } });
  expect(res.headers.get('content-type')).toBe('image/png');
  expect(sha(Buffer.from(await res.arrayBuffer()))).toBe(sha(bytes));
});

test('slack emulator - url_private of a person file: bytes with the bot token, the sign-in page without it', async () => {
  const { app, tom, dm, web } = await start();
  const bytes = randomBytes(5000);
  emu.post({ channel: dm, user: tom.id, text: 'see', files: [{ id: 'F0PDF0001', name: 'q3.pdf', mimetype: 'application/pdf', bytes }] });
  const info = await web.files.info({ file: 'F0PDF0001' });
  const url = info.file!.url_private_download!;
  const ok = await fetch(url, { headers: { authorization: `Bearer ${app.botToken}` } });
  expect(ok.status).toBe(200);
  expect(sha(Buffer.from(await ok.arrayBuffer()))).toBe(sha(bytes));
  for (const headers of [{}, { authorization: 'Bearer xoxb-wrong' }, { authorization: `Bearer ${app.appToken}` }] as Array<
    Record<string, string>
  >) {
    const page = await fetch(url, { headers });
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(await page.text()).toContain('Sign in');
  }
  const outsider = emu.addApp({ name: 'Outsider' });
  expect(await slackError(webClient(emu, outsider.botToken).files.info({ file: 'F0PDF0001' }))).toMatchObject({ error: 'file_not_found' });
  expect(await (await fetch(url, { headers: { authorization: `Bearer ${outsider.botToken}` } })).text()).toContain('Sign in');
  expect(await slackError(web.files.info({ file: 'F0NOSUCH01' }))).toMatchObject({ error: 'file_not_found' });
});

test('slack emulator - without files:read, files.info is missing_scope and url_private answers the sign-in page', async () => {
  const { app, tom, dm, web } = await start({}, ['chat:write', 'im:history']);
  emu.post({ channel: dm, user: tom.id, files: [{ id: 'F0IMG0001', name: 'a.png', mimetype: 'image/png' }] });
  expect(await slackError(web.files.info({ file: 'F0IMG0001' }))).toMatchObject({ error: 'missing_scope', data: { needed: 'files:read' } });
  const url = `${emu.apiUrl.replace(/\/api\/$/, '')}/files-pri/${app.teamId}-F0IMG0001/a.png`;
  expect(await (await fetch(url, { headers: { authorization: `Bearer ${app.botToken}` } })).text()).toContain('Sign in');
});

test('slack emulator - upload refusals: over the size limit, an empty length, more bytes than announced, completing what was not uploaded', async () => {
  const { channel, web } = await start({ maxUploadBytes: 1000 });
  expect(await slackError(web.files.getUploadURLExternal({ filename: 'big.bin', length: 1001 }))).toMatchObject({
    error: 'file_upload_size_restricted',
  });
  expect(await slackError(web.files.getUploadURLExternal({ filename: 'none.bin', length: 0 }))).toMatchObject({
    error: 'missing_argument',
  });
  const u = await web.files.getUploadURLExternal({ filename: 'small.bin', length: 10 });
  const tooMany = await fetch(u.upload_url!, { method: 'POST', body: Buffer.alloc(11) });
  expect(tooMany.status).toBe(413);
  expect(await slackError(web.files.completeUploadExternal({ files: [{ id: u.file_id! }], channel_id: channel }))).toMatchObject({
    error: 'file_not_found',
  });
  const raw = await fetch(u.upload_url!, { method: 'POST', body: Buffer.alloc(10, 7) });
  expect([raw.status, await raw.text()]).toEqual([200, 'OK - 10']);
  await web.files.completeUploadExternal({ files: [{ id: u.file_id!, title: 'Small' }], channel_id: channel });
  expect(await slackError(web.files.completeUploadExternal({ files: [{ id: u.file_id! }], channel_id: channel }))).toMatchObject({
    error: 'file_not_found',
  });
  const other = await web.files.getUploadURLExternal({ filename: 'x.bin', length: 1 });
  await fetch(other.upload_url!, { method: 'POST', body: Buffer.alloc(1) });
  expect(await slackError(web.files.completeUploadExternal({ files: [{ id: other.file_id! }], channel_id: 'C0NOSUCH01' }))).toMatchObject({
    error: 'invalid_channel',
  });
});

test('slack emulator - failDownload breaks a download halfway: the body ends in an error, not in short bytes taken as whole', async () => {
  const { app, tom, dm, web } = await start();
  emu.post({
    channel: dm,
    user: tom.id,
    files: [{ id: 'F0BIG0001', name: 'big.bin', mimetype: 'application/octet-stream', bytes: randomBytes(300_000) }],
  });
  const url = (await web.files.info({ file: 'F0BIG0001' })).file!.url_private!;
  emu.failDownload('F0BIG0001', 1000);
  const res = await fetch(url, { headers: { authorization: `Bearer ${app.botToken}` } });
  expect(res.headers.get('content-length')).toBe('300000');
  await expect(res.arrayBuffer()).rejects.toThrow();
  const again = await fetch(url, { headers: { authorization: `Bearer ${app.botToken}` } });
  expect((await again.arrayBuffer()).byteLength).toBe(300_000);
});

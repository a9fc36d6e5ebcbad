import { randomBytes } from 'node:crypto';
import { csvAndChart, firstMessage, mediaOf } from '../../support/media-cases';
import { expectFailedAtOnce } from '../../support/receipt-checks';
import { discordRig, type DiscordRun } from './rig';

const rig = discordRig();
const t = rig.t;
const media = mediaOf(t, 'discord.default');

/** Tom sends files in the DM; resolves the stored envelope. */
async function sent(r: DiscordRun, files: Array<{ name: string; type: string; bytes: Buffer }>) {
  t.emu.post({ channel: r.ws.dm, user: r.ws.tom.id, content: 'see attached', files });
  return firstMessage(r.inbox, 'the message with files');
}

test('discord media - an attachment is a part; fetched through a fresh URL of the message from the CDN into the bucket; bytes exact', async () => {
  const r = await rig.boot();
  const bytes = randomBytes(600 * 1024);
  const env = await sent(r, [{ name: 'chart.png', type: 'image/png', bytes }]);
  const attachment = t.emu.message(env.message.id.split(':')[1]!)!.message.attachments[0]!;
  expect(env.message.parts).toEqual([
    { type: 'text', text: 'see attached' },
    { type: 'image', ref: attachment.id, name: 'chart.png', size: bytes.length, mime: 'image/png' },
  ]);
  await media.expectFetched(r, { messageId: env.message.id, ref: attachment.id, type: 'image' }, bytes, {
    object: /^discord\/default\/in\//,
    mime: 'image/png',
    name: 'chart.png',
  });
  expect(r.calls('GET /channels/:id/messages/:id')).toHaveLength(1);
  expect(t.emu.downloads).toEqual([{ path: expect.stringContaining(`/attachments/${r.ws.dm}/${attachment.id}/`), status: 200 }]);
});

test('discord media - an unknown attachment and a deleted message: clear errors, nothing stored', async () => {
  const r = await rig.boot();
  const env = await sent(r, [{ name: 'a.txt', type: 'text/plain', bytes: Buffer.from('abc') }]);
  expect(await media.ask(r, { messageId: env.message.id, ref: '112233445566778899', type: 'file' })).toMatchObject({
    ok: false,
    error: { code: 'E_PLATFORM' },
  });
  t.emu.remove(env.message.id.split(':')[1]!);
  const ref = (env.message.parts.find((p) => p.type === 'file') as { ref: string }).ref;
  expect(await media.ask(r, { messageId: env.message.id, ref, type: 'file' })).toMatchObject({
    ok: false,
    error: { code: 'E_PLATFORM', platformCode: 10008 },
  });
});

test('discord media - attachments go up as files[n] of one message with the text, buttons under it; bytes exact', async () => {
  const r = await rig.boot();
  const agent = await media.agent(r);
  const env = await sent(r, [{ name: 'q3.csv', type: 'text/csv', bytes: Buffer.from('a,b\n1,2\n') }]);
  const { csv, png, attachments } = await csvAndChart(agent);
  const receipt = await agent.reply(env, { text: 'here it is', attachments, actions: [{ id: 'more', label: 'More' }] });
  expect(receipt.ok).toBe(true);
  const [post] = r.posts();
  expect(r.posts()).toHaveLength(1);
  expect(receipt.messageIds).toEqual([`${r.ws.dm}:${post!.message.id}`]);
  expect(post!.message.content).toBe('here it is');
  expect(post!.message.components[0]!.components.map((c) => c.label)).toEqual(['More']);
  expect(
    post!.message.attachments.map((x) => [
      x.filename,
      x.content_type,
      post!.files.get(x.id)!.equals(x.filename === 'result.csv' ? csv : png),
    ]),
  ).toEqual([
    ['result.csv', 'text/csv', true],
    ['chart.png', 'image/png', true],
  ]);
});

test('discord media - files over the upload limit are E_TOO_LARGE, saying the limit; nothing is sent', async () => {
  const r = await rig.boot({ extra: '    maxUploadBytes: 10000\n' });
  const big = await (await media.agent(r)).upload(randomBytes(20_000), { name: 'big.bin' });
  r.send({ id: 'f2', conversation: { id: r.ws.channel }, attachments: [big], text: 'big' });
  expectFailedAtOnce(await r.receipt('f2'), { code: 'E_TOO_LARGE', platformCode: 40005 }, 'at most 10000 bytes');
  expect(r.posts()).toEqual([]);
});

test("discord media - Discord's own limit (40005 Request entity too large) is E_TOO_LARGE too", async () => {
  const r = await rig.boot({ emulator: { maxUploadBytes: 10_000 } });
  const big = await (await media.agent(r)).upload(randomBytes(20_000), { name: 'big.bin' });
  r.send({ id: 'f3', conversation: { id: r.ws.channel }, attachments: [big] });
  expectFailedAtOnce(await r.receipt('f3'), { code: 'E_TOO_LARGE', platformCode: 40005 });
});

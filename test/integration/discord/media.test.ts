import { createHash, randomBytes } from 'node:crypto';
import { Objm } from '@nats-io/obj';
import type { InboundEnvelope, MediaReply } from '../../../core/contract/schemas';
import { AgentClient } from '../../../core/agent';
import { eventually } from '../../support';
import { discordRig, type DiscordRun } from './rig';

const rig = discordRig();
const t = rig.t;
let agent: AgentClient | undefined;
afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

const digest = (b: Buffer) => `SHA-256=${createHash('sha256').update(b).digest('base64').replace(/\+/g, '-').replace(/\//g, '_')}`;

async function ask(r: DiscordRun, payload: Record<string, unknown>): Promise<MediaReply> {
  const m = await t.nc.request(`${r.prefix}.media.discord.default`, JSON.stringify(payload), { timeout: 15_000 });
  return m.json<MediaReply>();
}

/** Tom sends files in the DM; resolves the stored envelope. */
async function sent(r: DiscordRun, files: Array<{ name: string; type: string; bytes: Buffer }>) {
  t.emu.post({ channel: r.ws.dm, user: r.ws.tom.id, content: 'see attached', files });
  await eventually(() => r.inbox.items.some((e) => e.kind === 'message'), 'the message with files');
  return r.inbox.items.find((e): e is InboundEnvelope => e.kind === 'message')!;
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
  const reply = await ask(r, { messageId: env.message.id, ref: attachment.id, type: 'image' });
  expect(reply).toEqual({
    ok: true,
    object: expect.stringMatching(/^discord\/default\/in\//),
    size: bytes.length,
    mime: 'image/png',
    digest: digest(bytes),
    name: 'chart.png',
  });
  const os = await new Objm(t.nc).open(`${r.prefix}_media`);
  expect(Buffer.from((await os.getBlob((reply as { object: string }).object))!).equals(bytes)).toBe(true);
  expect(r.calls('GET /channels/:id/messages/:id')).toHaveLength(1);
  expect(t.emu.downloads).toEqual([{ path: expect.stringContaining(`/attachments/${r.ws.dm}/${attachment.id}/`), status: 200 }]);
});

test('discord media - an unknown attachment and a deleted message: clear errors, nothing stored', async () => {
  const r = await rig.boot();
  const env = await sent(r, [{ name: 'a.txt', type: 'text/plain', bytes: Buffer.from('abc') }]);
  expect(await ask(r, { messageId: env.message.id, ref: '112233445566778899', type: 'file' })).toMatchObject({
    ok: false,
    error: { code: 'E_PLATFORM' },
  });
  t.emu.remove(env.message.id.split(':')[1]!);
  const ref = (env.message.parts.find((p) => p.type === 'file') as { ref: string }).ref;
  expect(await ask(r, { messageId: env.message.id, ref, type: 'file' })).toMatchObject({
    ok: false,
    error: { code: 'E_PLATFORM', platformCode: 10008 },
  });
});

test('discord media - attachments go up as files[n] of one message with the text, buttons under it; bytes exact', async () => {
  const r = await rig.boot();
  agent = await AgentClient.connect({ servers: t.nats.url, prefix: r.prefix, receiptTimeoutMs: 15_000 });
  const env = await sent(r, [{ name: 'q3.csv', type: 'text/csv', bytes: Buffer.from('a,b\n1,2\n') }]);
  const csv = randomBytes(200_000);
  const png = randomBytes(30_000);
  const a = await agent.upload(csv, { name: 'result.csv', mime: 'text/csv' });
  const b = await agent.upload(png, { name: 'chart.png', mime: 'image/png', kind: 'image' });
  const receipt = await agent.reply(env, { text: 'here it is', attachments: [a, b], actions: [{ id: 'more', label: 'More' }] });
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
  agent = await AgentClient.connect({ servers: t.nats.url, prefix: r.prefix, receiptTimeoutMs: 15_000 });
  const big = await agent.upload(randomBytes(20_000), { name: 'big.bin' });
  r.send({ id: 'f2', conversation: { id: r.ws.channel }, attachments: [big], text: 'big' });
  const refused = await r.receipt('f2');
  expect(refused).toMatchObject({ ok: false, attempts: 1, error: { code: 'E_TOO_LARGE', platformCode: 40005 } });
  expect(refused.error!.message).toContain('at most 10000 bytes');
  expect(r.posts()).toEqual([]);
});

test("discord media - Discord's own limit (40005 Request entity too large) is E_TOO_LARGE too", async () => {
  const r = await rig.boot({ emulator: { maxUploadBytes: 10_000 } });
  agent = await AgentClient.connect({ servers: t.nats.url, prefix: r.prefix, receiptTimeoutMs: 15_000 });
  const big = await agent.upload(randomBytes(20_000), { name: 'big.bin' });
  r.send({ id: 'f3', conversation: { id: r.ws.channel }, attachments: [big] });
  expect(await r.receipt('f3')).toMatchObject({ ok: false, attempts: 1, error: { code: 'E_TOO_LARGE', platformCode: 40005 } });
});

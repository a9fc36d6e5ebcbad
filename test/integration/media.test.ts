import { createHash, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Objm } from '@nats-io/obj';
import { AgentClient, type AgentClientOptions } from '../../core/agent';
import type { InboundEnvelope, MediaReply, Receipt } from '../../core/contract/schemas';
import { loopbackConfig } from '../support';
import { useGatewayTest, type Booted } from '../support/fixture';
import { uniquePrefix } from '../support/nats-server';
import { rich, world } from '../support/rich-plugin';

const RICH = resolve(__dirname, '../support/rich-plugin.ts');

const t = useGatewayTest();
let gw: Booted;
let agent: AgentClient | undefined;
afterEach(() => world.reset());

async function boot(entry = `  - use: ${RICH}\n`, extra = '') {
  gw = await t.boot(loopbackConfig(t.nats.url, uniquePrefix(), entry, extra));
  return gw.prefix;
}

/** An agent client, closed after the test. */
async function connectAgent(options: AgentClientOptions): Promise<AgentClient> {
  const a = await AgentClient.connect(options);
  t.defer(() => a.close());
  return a;
}

/** The digest as NATS Object Store writes it: base64url with its padding. */
const sha256 = (b: Buffer) => `SHA-256=${createHash('sha256').update(b).digest('base64').replace(/\+/g, '-').replace(/\//g, '_')}`;

async function ask(prefix: string, payload: unknown, account = 'default'): Promise<MediaReply> {
  const m = await t.nc.request(`${prefix}.media.rich.${account}`, typeof payload === 'string' ? payload : JSON.stringify(payload), {
    timeout: 10_000,
  });
  return m.json<MediaReply>();
}

test('media - a part is downloaded into the bucket once under a stable name; the bytes and digest are exact', async () => {
  const prefix = await boot();
  const bytes = randomBytes(300 * 1024);
  world.files.set('img_1', { bytes, mime: 'image/png', name: 'chart.png' });
  const req = { messageId: 'om_1', ref: 'img_1', type: 'image' };
  const first = await ask(prefix, req);
  expect(first).toEqual({
    ok: true,
    object: expect.stringMatching(/^rich\/default\/in\/[A-Za-z0-9_-]{32}$/),
    size: bytes.length,
    mime: 'image/png',
    digest: sha256(bytes),
    name: 'chart.png',
  });
  const again = await ask(prefix, req);
  expect(again).toEqual(first);
  expect(world.downloads).toBe(1);
  const os = await new Objm(t.nc).open(`${prefix}_media`);
  expect(Buffer.from((await os.getBlob((first as { object: string }).object))!).equals(bytes)).toBe(true);
});

test('media - bad requests, unknown accounts, platform refusals, short downloads and oversized files each get a clear error and leave nothing', async () => {
  const prefix = await boot(`  - use: ${RICH}\n`, 'media:\n  maxBytes: 4096\n');
  world.files.set('big', { bytes: randomBytes(10_000), mime: 'application/pdf' });
  world.files.set('cut', { bytes: randomBytes(2000), mime: 'application/pdf', truncate: true });
  expect(await ask(prefix, 'not json')).toMatchObject({
    ok: false,
    error: { code: 'E_SCHEMA', message: expect.stringMatching(/^the request is not JSON/) },
  });
  expect(await ask(prefix, { messageId: 'm', ref: 'r' })).toMatchObject({
    ok: false,
    error: { code: 'E_SCHEMA', message: 'missing required field "type"' },
  });
  expect(await ask(prefix, { messageId: 'm', ref: 'r', type: 'image' }, 'other')).toMatchObject({
    ok: false,
    error: { code: 'E_UNKNOWN_ACCOUNT' },
  });
  expect(await ask(prefix, { messageId: 'm', ref: 'missing', type: 'file' })).toEqual({
    ok: false,
    error: { code: 'E_PLATFORM', message: 'no resource missing on message m', platformCode: 234003 },
  });
  expect(await ask(prefix, { messageId: 'm', ref: 'big', type: 'file' })).toMatchObject({
    ok: false,
    error: { code: 'E_TOO_LARGE', message: 'the file is larger than 4096 bytes (media.maxBytes)' },
  });
  expect(await ask(prefix, { messageId: 'm', ref: 'cut', type: 'file' })).toMatchObject({
    ok: false,
    error: { code: 'E_PLATFORM', message: 'the download ended after 1000 of 2000 bytes' },
  });
  const os = await new Objm(t.nc).open(`${prefix}_media`);
  const names: string[] = [];
  for await (const info of await os.list()) names.push(info.name);
  expect(names).toEqual([]);
});

test('media - media.eager stores the listed kinds before the message is published; the part names its object', async () => {
  const prefix = await boot(`  - use: ${RICH}\n    media:\n      eager: [image]\n`);
  const inbox = await t.collect<InboundEnvelope>(`${prefix}.in.>`);
  const bytes = randomBytes(5000);
  world.files.set('img_e', { bytes, mime: 'image/jpeg' });
  await rich.get().receive({
    messageId: 'om_e',
    conversation: { id: 'c1', type: 'direct' },
    sender: { id: 'u1' },
    parts: [
      { type: 'image', ref: 'img_e' },
      { type: 'file', ref: 'not-eager' },
    ],
  });
  const [env] = await inbox.waitFor(1);
  expect(env!.message.parts).toEqual([
    { type: 'image', ref: 'img_e', object: expect.stringMatching(/^rich\/default\/in\//), size: 5000, mime: 'image/jpeg' },
    { type: 'file', ref: 'not-eager' },
  ]);
  inbox.close();
});

test('media - an eager download that fails never loses the message', async () => {
  const prefix = await boot(`  - use: ${RICH}\n    media:\n      eager: [image]\n`);
  const inbox = await t.collect<InboundEnvelope>(`${prefix}.in.>`);
  expect(
    (
      await rich.get().receive({
        messageId: 'om_f',
        conversation: { id: 'c1', type: 'direct' },
        sender: { id: 'u1' },
        parts: [{ type: 'image', ref: 'gone' }],
      })
    ).outcome,
  ).toBe('stored');
  const [env] = await inbox.waitFor(1);
  expect(env!.message.parts).toEqual([{ type: 'image', ref: 'gone' }]);
  expect(gw.logs.messages()).toContain('eager media download failed; the message goes without the bytes (agents can ask chat.media later)');
  inbox.close();
});

test('media - the agent client downloads a part and sends a file back; the platform gets the same bytes', async () => {
  const prefix = await boot();
  agent = await connectAgent({ servers: t.nats.url, prefix, receiptTimeoutMs: 10_000 });
  const inbound = randomBytes(70_000);
  world.files.set('doc_1', { bytes: inbound, mime: 'application/pdf', name: 'report.pdf' });
  const msg = {
    v: 1 as const,
    kind: 'message' as const,
    id: 'rich:default:om_9',
    channel: 'rich',
    account: 'default',
    time: new Date().toISOString(),
    conversation: { id: 'c1', type: 'direct' as const },
    sender: { id: 'u1', kind: 'user' as const },
    message: { id: 'om_9', text: '[file]', parts: [{ type: 'file' as const, ref: 'doc_1', name: 'report.pdf' }], mentioned: false },
    session: 's',
  };
  const got = await agent.download(msg, msg.message.parts[0]!);
  expect(got).toMatchObject({ size: inbound.length, mime: 'application/pdf', digest: sha256(inbound), name: 'report.pdf' });
  expect((await got.bytes()).equals(inbound)).toBe(true);

  const outbound = randomBytes(200_000);
  const attachment = await agent.upload(outbound, { name: 'result.csv', mime: 'text/csv' });
  expect(attachment).toMatchObject({ kind: 'file', mime: 'text/csv', name: 'result.csv' });
  const receipt = await agent.reply(msg, { text: 'here it is', attachments: [attachment] });
  expect(receipt.ok).toBe(true);
  const sent = [...world.messages.values()].find((m) => m.files.length)!;
  expect(sent.files.map((f) => [f.name, f.mime, f.bytes.equals(outbound)])).toEqual([['result.csv', 'text/csv', true]]);
});

test('media - attachments the channel cannot take are refused with the reason; an unknown object is E_SCHEMA', async () => {
  const prefix = await boot();
  agent = await connectAgent({ servers: t.nats.url, prefix, receiptTimeoutMs: 10_000 });
  const receipts = await t.collect<Receipt>(`${prefix}.receipt.>`);
  const big = await agent.upload(randomBytes(1024 * 1024 + 1), { mime: 'image/png' });
  const clip = await agent.upload(randomBytes(10), { mime: 'video/mp4' });
  const send = (id: string, attachments: unknown[]) =>
    t.nc.publish(`${prefix}.out.rich.default`, JSON.stringify({ id, conversation: { id: 'c1' }, attachments }));
  send('a1', [big]);
  send('a2', [clip]);
  send('a3', [{ object: 'agent/never-put', kind: 'file' }]);
  const all = await receipts.waitFor(3);
  const error = (id: string) => all.find((r) => r.id === id)!.error;
  expect(error('a1')).toMatchObject({
    code: 'E_TOO_LARGE',
    message: `attachment "${big.object}" is 1048577 bytes; rich takes a image of at most 1048576 bytes`,
  });
  expect(error('a2')).toMatchObject({ code: 'E_UNSUPPORTED', message: 'rich cannot send a video; it sends image, file' });
  expect(error('a3')).toMatchObject({
    code: 'E_SCHEMA',
    message: 'attachment "agent/never-put" is not in the media bucket (never put, or expired after media.ttl)',
  });
  receipts.close();
});

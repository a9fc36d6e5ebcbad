import { randomBytes } from 'node:crypto';
import { connect as natsConnect } from '@nats-io/transport-node';
import { AgentClient } from '../../../core/agent';
import type { InboundEnvelope } from '../../../core/contract/schemas';
import { eventually } from '../../support';
import { useGatewayTest } from '../../support/fixture';
import { bootWebchat, receiptOf, siteIdentity, tab } from './visitor';

const t = useGatewayTest();
const ADA = 'ada';

/** What the page's upload does: POST the bytes with the visitor's identity. */
function upload(base: string, bytes: Buffer, name: string, mime: string, identity = siteIdentity(ADA), chunked = false) {
  const body = chunked
    ? new ReadableStream({
        start(c) {
          for (let i = 0; i < bytes.length; i += 512) c.enqueue(bytes.subarray(i, i + 512));
          c.close();
        },
      })
    : bytes;
  return fetch(`${base}/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${identity}`, 'content-type': mime, 'x-file-name': encodeURIComponent(name) },
    body,
    ...(chunked ? { duplex: 'half' } : {}),
  } as RequestInit);
}

test('webchat media - a visitor attaches an image: the message carries it in the media bucket, bytes exact for the agent', async () => {
  const { gw, ws, base } = await bootWebchat(t);
  const page = await tab(t, ws, ADA);
  const png = randomBytes(50_000);
  const res = await upload(base, png, 'chart 1.png', 'image/png');
  expect(res.status).toBe(200);
  const up = (await res.json()) as { receipt: string };
  expect(up).toEqual({ receipt: expect.any(String), name: 'chart 1.png', size: 50_000, mime: 'image/png', kind: 'image' });
  page.send('msg-00000001', 'what is this?', [up.receipt]);
  expect(await page.next('ack')).toEqual({ type: 'ack', id: 'msg-00000001' });
  const [env] = (await gw.inbox.waitFor(1)) as InboundEnvelope[];
  expect(env!.message.parts).toEqual([
    { type: 'text', text: 'what is this?' },
    {
      type: 'image',
      ref: expect.stringMatching(/^webchat\/default\/up\//),
      object: expect.stringMatching(/^webchat\/default\/up\/.*chart_1\.png$/),
      name: 'chart 1.png',
      size: 50_000,
      mime: 'image/png',
    },
  ]);
  const agent = await AgentClient.connect({ servers: t.nats.url, prefix: gw.prefix });
  t.defer(() => agent.close());
  const file = await agent.download(env!, env!.message.parts[1] as never);
  expect((await file.bytes()).equals(png)).toBe(true);
  // The media request of the contract serves the same object by its ref; a ref outside this chat is refused.
  const nc = await natsConnect({ servers: t.nats.url });
  t.defer(() => nc.close());
  const part = env!.message.parts[1] as { ref: string };
  const ask = async (ref: string) =>
    (
      await nc.request(agent.subjects.media('webchat', 'default'), JSON.stringify({ messageId: env!.message.id, ref, type: 'image' }), {
        timeout: 10_000,
      })
    ).json();
  expect(await ask(part.ref)).toMatchObject({ ok: true, size: 50_000, mime: 'image/png' });
  expect(await ask('webchat/other/up/x.png')).toEqual({
    ok: false,
    error: expect.objectContaining({
      code: 'E_SCHEMA',
      message: expect.stringContaining('no file "webchat/other/up/x.png" was uploaded to this chat'),
    }),
  });
  // A file alone, without text, is a message too.
  const csv = await upload(base, Buffer.from('a,b\n1,2\n'), 'q3.csv', 'text/csv');
  page.send('msg-00000002', '', [((await csv.json()) as { receipt: string }).receipt]);
  const [, second] = (await gw.inbox.waitFor(2)) as InboundEnvelope[];
  expect(second!.message.parts).toEqual([expect.objectContaining({ type: 'file', name: 'q3.csv', size: 8, mime: 'text/csv' })]);
});

test('webchat media - a file over maxFileBytes is E_TOO_LARGE with the limit (declared or streamed); no identity, no upload', async () => {
  const { base } = await bootWebchat(t, '    maxFileBytes: 1024\n');
  const declared = await upload(base, randomBytes(2048), 'big.bin', 'application/octet-stream');
  expect(declared.status).toBe(413);
  expect(await declared.json()).toEqual({
    error: { code: 'E_TOO_LARGE', message: 'the file is 2 KB; this chat takes files up to 1 KB', limit: 1024 },
  });
  const streamed = await upload(base, randomBytes(4096), 'big.bin', 'application/octet-stream', siteIdentity(ADA), true);
  expect(streamed.status).toBe(413);
  expect(await streamed.json()).toEqual({
    error: { code: 'E_TOO_LARGE', message: 'the file is over 1 KB; this chat takes files up to 1 KB', limit: 1024 },
  });
  const anonymous = await fetch(`${base}/upload`, { method: 'POST', body: 'x' });
  expect(anonymous.status).toBe(401);
  expect(await anonymous.json()).toEqual({
    error: { code: 'E_SCHEMA', message: 'an upload needs the identity (authorization: Bearer ...)' },
  });
  const forged = await upload(base, Buffer.from('x'), 'x.txt', 'text/plain', siteIdentity(ADA, {}, 600, 'wrong'));
  expect(forged.status).toBe(401);
  const page = await fetch(`${base}/`);
  expect(await page.text()).toContain('data-max-file="1024"');
});

test("webchat media - another visitor's upload receipt is refused and the message is not published", async () => {
  const { gw, ws, base } = await bootWebchat(t);
  const bob = await tab(t, ws, 'bob');
  const res = await upload(base, Buffer.from('secret'), 'ada.txt', 'text/plain', siteIdentity(ADA));
  const { receipt } = (await res.json()) as { receipt: string };
  bob.send('msg-00000003', 'look', [receipt]);
  expect(await bob.next('error')).toEqual({
    type: 'error',
    id: 'msg-00000003',
    message: 'an attachment is unknown or its upload expired: attach it again',
    retry: false,
  });
  await gw.inboundBarrier((text) => bob.send(text, text));
  expect(gw.inbox.items).toEqual([]);
});

test('webchat media - the agent attachments appear as an image and a download link under short-lived unguessable URLs', async () => {
  const { gw, ws } = await bootWebchat(t, '    fileLinkSeconds: 2\n');
  const page = await tab(t, ws, ADA);
  const agent = await AgentClient.connect({ servers: t.nats.url, prefix: gw.prefix });
  t.defer(() => agent.close());
  const png = randomBytes(30_000);
  const csv = Buffer.from('n,square\n1,1\n2,4\n');
  const image = await agent.upload(png, { name: 'chart.png', mime: 'image/png', kind: 'image' });
  const file = await agent.upload(csv, { name: 'squares.csv', mime: 'text/csv' });
  gw.publish('webchat.default', { id: 'f-1', conversation: { id: ADA }, text: 'here', attachments: [image, file] });
  const reply = await page.next('reply');
  const files = reply.files as Array<{ url: string; name: string; mime: string; size: number; kind: string }>;
  expect(files).toEqual([
    {
      url: expect.stringMatching(/^\/webchat\/default\/file\?k=[\w-]+\.[\w-]+\.[\w-]+$/),
      name: 'chart.png',
      mime: 'image/png',
      size: 30_000,
      kind: 'image',
    },
    { url: expect.stringMatching(/^\/webchat\/default\/file\?k=/), name: 'squares.csv', mime: 'text/csv', size: csv.length, kind: 'file' },
  ]);
  expect(await receiptOf(gw, 'f-1')).toMatchObject({ ok: true, messageIds: ['wc_f-1'] });
  const origin = gw.gateway.http.url;
  const img = await fetch(origin + files[0]!.url);
  expect([img.status, img.headers.get('content-type'), img.headers.get('content-disposition')]).toEqual([
    200,
    'image/png',
    "inline; filename*=UTF-8''chart.png",
  ]);
  expect(Buffer.from(await img.arrayBuffer()).equals(png)).toBe(true);
  const dl = await fetch(origin + files[1]!.url);
  expect([
    dl.status,
    dl.headers.get('content-type'),
    dl.headers.get('content-disposition'),
    dl.headers.get('x-content-type-options'),
  ]).toEqual([200, 'application/octet-stream', "attachment; filename*=UTF-8''squares.csv", 'nosniff']);
  expect(Buffer.from(await dl.arrayBuffer()).equals(csv)).toBe(true);
  // Guessed, tampered and expired links are all 404.
  const guessed = await fetch(`${origin}/webchat/default/file?k=${randomBytes(40).toString('base64url')}`);
  expect(guessed.status).toBe(404);
  expect(await guessed.json()).toEqual({ error: { code: 'E_SCHEMA', message: 'no such file, or its link expired: ask for it again' } });
  const k = files[0]!.url.split('k=')[1]!;
  const [h, , s] = k.split('.');
  const other = Buffer.from(
    JSON.stringify({ o: 'webchat/default/up/other', sub: 'file', exp: 4102444800, aud: 'webchat:default' }),
  ).toString('base64url');
  expect((await fetch(`${origin}/webchat/default/file?k=${h}.${other}.${s}`)).status).toBe(404);
  await eventually(async () => (await fetch(origin + files[0]!.url)).status === 404, 'the link expired', 5_000);
});

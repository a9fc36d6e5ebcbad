/**
 * Media: one 20 MB file in (Feishu message → `chat.media` request → the gateway downloads it into the
 * media bucket → the agent reads it) and out (the agent uploads it → an envelope with the attachment →
 * the gateway uploads it to Feishu), against raw Object Store put and get of the same bytes, same run.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { AgentClient } from '../../core/agent';
import type { InboundEnvelope, Part } from '../../core/contract/schemas';
import type { FeishuEmulator } from '../emulators/feishu';
import { CHAT, USER } from '../support/feishu';
import { addApps, startGateway } from './setup';
import { summarise, type Round, type Row } from './stats';

const SIZE = 20 * 1024 * 1024;
const MB = SIZE / (1024 * 1024);

/** A round of one transfer: `rate` is MB/s, p50/p99 its time in ms. */
const transfer = (ms: number): Round => ({ rate: MB / (ms / 1000), p50: ms, p99: ms, lost: 0 });

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export async function mediaRows(emu: FeishuEmulator, nc: NatsConnection, natsUrl: string, rounds: number): Promise<Row[]> {
  const [app] = addApps(emu, 1, 'media');
  const g = await startGateway(natsUrl, emu.url, [app!]);
  const agent = await AgentClient.connect({ servers: natsUrl, prefix: g.prefix });
  const inbox: InboundEnvelope[] = [];
  agent.onMessage((m) => void inbox.push(m));
  const bytes = randomBytes(SIZE);
  const digest = sha(bytes);
  const raw = await new Objm(nc).create(`${g.prefix}_bench_raw`);
  const results = { in: [] as Round[], out: [] as Round[], put: [] as Round[], get: [] as Round[] };
  try {
    for (let r = 0; r <= rounds; r++) {
      const warmUp = r === 0;

      // In: a user's file, fetched by the agent through the gateway.
      const key = emu.userFile(app!.appId, bytes, { kind: 'file', mime: 'application/pdf', name: `report-${r}.pdf` });
      const event = emu.message({
        appId: app!.appId,
        chatId: CHAT,
        chatType: 'p2p',
        senderOpenId: USER,
        messageType: 'file',
        content: { file_key: key, file_name: `report-${r}.pdf` },
      });
      await emu.pushEvent(app!.appId, event);
      const id = (event.event.message as { message_id: string }).message_id;
      const msg = await until(() => inbox.find((m) => m.message.id === id), 'the file message on chat.in');
      const part = msg.message.parts?.find((p): p is Extract<Part, { ref: string }> => 'ref' in p);
      if (!part) throw new Error('the file message has no part with a ref');
      let t0 = performance.now();
      const got = await (await agent.download(msg, part)).bytes();
      const inMs = performance.now() - t0;
      if (sha(got) !== digest) throw new Error('media in: the bytes the agent read differ from the file sent');

      // Out: the agent's upload, sent to the chat as a file.
      const before = emu.uploads.length;
      t0 = performance.now();
      const attachment = await agent.upload(bytes, { name: `chart-${r}.pdf`, mime: 'application/pdf' });
      const receipt = await agent.send('feishu', app!.account, { conversation: { id: CHAT }, attachments: [attachment] });
      if (!receipt.ok) throw new Error(`media out failed: ${JSON.stringify(receipt.error)}`);
      const outMs = performance.now() - t0;
      const uploaded = emu.uploads.slice(before).find((u) => u.bytes.length === SIZE);
      if (!uploaded || sha(uploaded.bytes) !== digest) throw new Error('media out: the bytes Feishu got differ from the upload');

      // Raw Object Store, same server and bytes.
      t0 = performance.now();
      await raw.putBlob({ name: `raw-${r}` }, bytes);
      const putMs = performance.now() - t0;
      t0 = performance.now();
      const blob = await raw.getBlob(`raw-${r}`);
      const getMs = performance.now() - t0;
      if (!blob || sha(blob) !== digest) throw new Error('raw get: bytes differ');

      if (warmUp) continue;
      results.in.push(transfer(inMs));
      results.out.push(transfer(outMs));
      results.put.push(transfer(putMs));
      results.get.push(transfer(getMs));
      process.stdout.write(
        `  media 20 MB: in ${inMs.toFixed(0)} ms, out ${outMs.toFixed(0)} ms; raw put ${putMs.toFixed(0)} ms, get ${getMs.toFixed(0)} ms\n`,
      );
    }
  } finally {
    await raw.destroy().catch(() => undefined);
    await agent.close();
    await g.gw.kill('SIGTERM');
  }
  const rawGet = summarise(
    'media 20 MB in',
    'raw Object Store get',
    results.get,
    '“rate” = MB/s; p50/p99 = ms for the file; getBlob from the bucket',
  );
  const rawPut = summarise(
    'media 20 MB out',
    'raw Object Store put',
    results.put,
    '“rate” = MB/s; p50/p99 = ms for the file; putBlob into a bucket',
  );
  return [
    rawGet,
    summarise(
      'media 20 MB in',
      'gateway',
      results.in,
      '“rate” = MB/s; chat.media request → the gateway downloads the Feishu resource into the media bucket → agent.download() read it all; digest checked',
      rawGet,
    ),
    rawPut,
    summarise(
      'media 20 MB out',
      'gateway',
      results.out,
      '“rate” = MB/s; agent.upload() into the bucket → envelope with the attachment → the gateway uploads it to Feishu (im/v1/files) and sends it → ok receipt; digest checked',
      rawPut,
    ),
  ];
}

async function until<T>(get: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

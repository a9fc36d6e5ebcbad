/**
 * The bare baseline, run as its own process like the gateway (driven by setup.ts over IPC):
 * - inbound: the SDK's WSClient with an EventDispatcher handler that only `js.publish`es the raw event to
 *   a JetStream stream (file storage, republished to `<subject>.in` like the gateway's inbound stream);
 * - outbound: `lark.Client` calling `im.v1.message.create` directly with a fixed number of calls in flight;
 * - streams: `lark.Client` driving CardKit for each answer: create the card, send it, one content update
 *   per frame (in order per card, sequence + 1 each), the final text, then streaming off.
 */
import { Agent } from 'node:http';
import * as lark from '@larksuiteoapi/node-sdk';
import { jetstream, jetstreamManager, StorageType, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import axios from 'axios';
import { now } from './stats';
import { finalText, frameText } from './stream-texts';

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined, trace: () => undefined };
let nc: NatsConnection | undefined;
let js: JetStreamClient | undefined;
let ws: lark.WSClient | undefined;
let clients: lark.Client[] = [];

async function init(m: {
  natsUrl?: string;
  subject?: string;
  domain: string;
  apps: Array<{ appId: string; appSecret: string }>;
}): Promise<void> {
  if (m.natsUrl && m.subject) {
    nc = await connect({ servers: m.natsUrl });
    const jsm = await jetstreamManager(nc);
    const name = `BENCH_${m.subject.replace(/\W/g, '_')}`;
    await jsm.streams.add({
      name,
      subjects: [`${m.subject}.ingest`],
      storage: StorageType.File,
      republish: { src: `${m.subject}.ingest`, dest: `${m.subject}.in` },
    });
    js = jetstream(nc);
    const subject = `${m.subject}.ingest`;
    const app = m.apps[0]!;
    const dispatcher = new lark.EventDispatcher({ logger: quiet }).register({
      'im.message.receive_v1': async (data: unknown) => {
        await js!.publish(subject, JSON.stringify(data));
      },
    });
    await new Promise<void>((resolve, reject) => {
      ws = new lark.WSClient({
        appId: app.appId,
        appSecret: app.appSecret,
        domain: m.domain,
        logger: quiet,
        autoReconnect: true,
        onReady: () => resolve(),
        onError: reject,
      });
      void ws.start({ eventDispatcher: dispatcher });
    });
    return;
  }
  clients = m.apps.map((a) => {
    const http = axios.create({ httpAgent: new Agent({ keepAlive: true }) });
    http.interceptors.response.use((resp) => resp.data);
    return new lark.Client({
      appId: a.appId,
      appSecret: a.appSecret,
      domain: m.domain,
      appType: lark.AppType.SelfBuild,
      httpInstance: http as never,
      logger: quiet,
    });
  });
}

/** Sends `n` texts (`<tag>|<i>|<start ms>`) over `chats` chats per app, `concurrency` calls in flight. */
async function send(m: { n: number; concurrency: number; chats: number; tag: string }): Promise<{ errors: number }> {
  let next = 0;
  let errors = 0;
  const worker = async () => {
    for (let i = next++; i < m.n; i = next++) {
      const client = clients[i % clients.length]!;
      const chat = `oc_bench${Math.floor(i / clients.length) % m.chats}`;
      const res = await client.im.v1.message
        .create({
          params: { receive_id_type: 'chat_id' },
          data: { receive_id: chat, msg_type: 'text', content: JSON.stringify({ text: `${m.tag}|${i}|${now()}` }) },
        })
        .catch(() => ({ code: -1 }));
      if (res?.code !== 0) errors++;
    }
  };
  await Promise.all(Array.from({ length: m.concurrency }, worker));
  return { errors };
}

const pauseUntil = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - now())));

/** Card JSON 2.0 in streaming mode (or not) with one markdown element. */
const cardJson = (text: string, streaming: boolean) =>
  JSON.stringify({
    schema: '2.0',
    config: { streaming_mode: streaming, update_multi: true },
    body: { elements: [{ tag: 'markdown', element_id: 'answer', content: text }] },
  });

/** One answer streamed by hand: every frame becomes a content update as soon as the previous one returned. */
async function oneStream(client: lark.Client, tag: string, s: number, frames: number, frameMs: number, start: number): Promise<number> {
  let errors = 0;
  const check = (res: { code?: number } | undefined) => void (res?.code !== 0 && errors++);
  const created = await client.cardkit.v1.card.create({ data: { type: 'card_json', data: cardJson('…', true) } });
  const cardId = created.data!.card_id!;
  check(
    await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: `oc_base${s}`, msg_type: 'interactive', content: JSON.stringify({ type: 'card', data: { card_id: cardId } }) },
    }),
  );
  let sequence = 0;
  const content = (text: string) =>
    client.cardkit.v1.cardElement
      .content({ path: { card_id: cardId, element_id: 'answer' }, data: { content: text, sequence: ++sequence } })
      .then(check, () => errors++);
  for (let k = 1; k <= frames; k++) {
    await pauseUntil(start + k * frameMs);
    await content(frameText(tag, s, k));
  }
  await pauseUntil(start + (frames + 1) * frameMs);
  await content(finalText(tag, s));
  await client.cardkit.v1.card
    .settings({
      path: { card_id: cardId },
      data: { settings: JSON.stringify({ config: { streaming_mode: false } }), sequence: ++sequence },
    })
    .then(check, () => errors++);
  return errors;
}

/** `streams` answers at once, spread over the clients' apps. */
async function streams(m: { tag: string; streams: number; frames: number; frameMs: number }): Promise<{ errors: number }> {
  const start = now();
  const errors = await Promise.all(
    Array.from({ length: m.streams }, (_, s) => oneStream(clients[s % clients.length]!, m.tag, s, m.frames, m.frameMs, start)),
  );
  return { errors: errors.reduce((a, b) => a + b, 0) };
}

process.on('message', (m: { op: string } & Record<string, unknown>) => {
  const run = async (): Promise<unknown> => {
    switch (m.op) {
      case 'init':
        return init(m as unknown as Parameters<typeof init>[0]);
      case 'send':
        return send(m as unknown as Parameters<typeof send>[0]);
      case 'streams':
        return streams(m as unknown as Parameters<typeof streams>[0]);
      case 'stop':
        ws?.close({ force: true });
        await nc?.close();
        setImmediate(() => process.exit(0));
        return;
      default:
        throw new Error(`unknown op ${m.op}`);
    }
  };
  run().then(
    (result) => process.send!({ ok: true, result }),
    (err: Error) => process.send!({ ok: false, error: err.stack ?? String(err) }),
  );
});

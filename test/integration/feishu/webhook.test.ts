import type { NatsConnection } from '@nats-io/transport-node';
import type { InboundEnvelope } from '../../../core/contract/schemas';
import type { FeishuEmulator } from '../../emulators/feishu';
import { Collector, client, startGateway, type Started } from '../../support';
import { feishuConfig, newApp, startEmulator } from '../../support/feishu';
import { startNats, uniquePrefix, type TestNats } from '../../support/nats-server';

let nats: TestNats;
let nc: NatsConnection;
let emu: FeishuEmulator;
let run: Started | undefined;

beforeAll(async () => {
  nats = await startNats();
  nc = await client(nats.url);
  emu = await startEmulator();
});
afterEach(async () => {
  await run?.gateway.stop();
  run = undefined;
});
afterAll(async () => {
  await emu.stop();
  await nc.close();
  await nats.close();
});

const USER = 'ou_7d8a6e6d0a1b2c3d4e5f60718293a4b5';
const CHAT = 'oc_5ce6d5720a1b2c3d4e5f60718293a4b5';

async function boot(keys: { encryptKey?: string; verificationToken: string }) {
  const app = newApp(emu);
  const prefix = uniquePrefix();
  const extra = `    mode: webhook\n    verificationToken: ${keys.verificationToken}\n    encryptKey: "${keys.encryptKey ?? ''}"\n    allowFrom: ["*"]\n`;
  run = await startGateway(feishuConfig(nats.url, prefix, emu.url, app, extra));
  const url = `${run.gateway.http.url}/feishu/default/events`;
  const inbox = new Collector<InboundEnvelope>(nc, `${prefix}.in.>`);
  await nc.flush();
  return { app, url, inbox };
}

test('feishu webhook - answers the URL challenge and stores a plain event checked by its token', async () => {
  const { app, url, inbox } = await boot({ verificationToken: 'vtok' });
  expect(run!.logs.find((l) => l.msg === 'Feishu channel listening for webhook events')?.url).toBe(url);
  expect((await emu.urlVerification(url, { verificationToken: 'vtok' })).ok).toBe(true);
  expect((await emu.urlVerification(url, { verificationToken: 'forged' })).status).toBe(401);
  const event = emu.message({
    appId: app.appId,
    chatId: CHAT,
    chatType: 'p2p',
    senderOpenId: USER,
    messageType: 'text',
    content: { text: 'via webhook' },
  });
  event.header.token = 'vtok';
  expect((await emu.postWebhook(url, event)).status).toBe(200);
  const [env] = await inbox.waitFor(1);
  expect(env!.message.text).toBe('via webhook');
  event.header.token = 'forged';
  expect((await emu.postWebhook(url, event)).status).toBe(401);
  inbox.close();
});

test('feishu webhook - decrypts encrypted events, checks the signature, rejects forgeries', async () => {
  const { app, url, inbox } = await boot({ verificationToken: 'vtok2', encryptKey: 'ekey-123456' });
  expect((await emu.urlVerification(url, { verificationToken: 'vtok2', encryptKey: 'ekey-123456' })).ok).toBe(true);
  const event = emu.message({
    appId: app.appId,
    chatId: CHAT,
    chatType: 'p2p',
    senderOpenId: USER,
    messageType: 'text',
    content: { text: 'secret hello' },
  });
  event.header.token = 'vtok2';
  expect((await emu.postWebhook(url, event, { encryptKey: 'ekey-123456' })).status).toBe(200);
  const [env] = await inbox.waitFor(1);
  expect(env!.message.text).toBe('secret hello');
  expect((await emu.postWebhook(url, event, { encryptKey: 'ekey-123456', headers: { 'X-Lark-Signature': 'f'.repeat(64) } })).status).toBe(
    401,
  );
  expect((await emu.postWebhook(url, event, { encryptKey: 'wrong-key' })).status).toBe(401);
  expect((await emu.postWebhook(url, event)).status).toBe(401);
  inbox.close();
});

test('feishu webhook - an event not stored (NATS down) answers 500 so Feishu redelivers it', async () => {
  const { app, url } = await boot({ verificationToken: 'vtok3' });
  const event = emu.message({
    appId: app.appId,
    chatId: CHAT,
    chatType: 'p2p',
    senderOpenId: USER,
    messageType: 'text',
    content: { text: 'later' },
  });
  event.header.token = 'vtok3';
  await nats.stop();
  try {
    expect((await emu.postWebhook(url, event, { timeoutMs: 15_000 })).status).toBe(500);
  } finally {
    await nats.restart();
  }
}, 30_000);

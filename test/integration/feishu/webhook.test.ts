import { bootFeishu, textEvent } from '../../support/feishu';
import { useGatewayTest } from '../../support/fixture';

const t = useGatewayTest({ emulator: 'feishu' });

async function boot(keys: { encryptKey?: string; verificationToken: string }) {
  const extra = `    mode: webhook\n    verificationToken: ${keys.verificationToken}\n    encryptKey: "${keys.encryptKey ?? ''}"\n    allowFrom: ["*"]\n`;
  const { app, gw } = await bootFeishu(t, extra, { connect: false });
  return { app, gw, url: `${gw.gateway.http.url}/feishu/default/events` };
}

test('feishu webhook - answers the URL challenge and stores a plain event checked by its token', async () => {
  const { app, gw, url } = await boot({ verificationToken: 'vtok' });
  expect(gw.logs.find((l) => l.msg === 'Feishu channel listening for webhook events')?.url).toBe(url);
  expect((await t.emu.urlVerification(url, { verificationToken: 'vtok' })).ok).toBe(true);
  expect((await t.emu.urlVerification(url, { verificationToken: 'forged' })).status).toBe(401);
  const event = textEvent(t.emu, app, 'via webhook');
  event.header.token = 'vtok';
  expect((await t.emu.postWebhook(url, event)).status).toBe(200);
  const [env] = await gw.inbox.waitFor(1);
  expect(env!.message.text).toBe('via webhook');
  event.header.token = 'forged';
  expect((await t.emu.postWebhook(url, event)).status).toBe(401);
});

test('feishu webhook - decrypts encrypted events, checks the signature, rejects forgeries', async () => {
  const { app, gw, url } = await boot({ verificationToken: 'vtok2', encryptKey: 'ekey-123456' });
  expect((await t.emu.urlVerification(url, { verificationToken: 'vtok2', encryptKey: 'ekey-123456' })).ok).toBe(true);
  const event = textEvent(t.emu, app, 'secret hello');
  event.header.token = 'vtok2';
  expect((await t.emu.postWebhook(url, event, { encryptKey: 'ekey-123456' })).status).toBe(200);
  const [env] = await gw.inbox.waitFor(1);
  expect(env!.message.text).toBe('secret hello');
  expect((await t.emu.postWebhook(url, event, { encryptKey: 'ekey-123456', headers: { 'X-Lark-Signature': 'f'.repeat(64) } })).status).toBe(
    401,
  );
  expect((await t.emu.postWebhook(url, event, { encryptKey: 'wrong-key' })).status).toBe(401);
  expect((await t.emu.postWebhook(url, event)).status).toBe(401);
});

test('feishu webhook - an event not stored (NATS down) answers 500 so Feishu redelivers it', async () => {
  const { app, url } = await boot({ verificationToken: 'vtok3' });
  const event = textEvent(t.emu, app, 'later');
  event.header.token = 'vtok3';
  await t.nats.stop();
  try {
    expect((await t.emu.postWebhook(url, event, { timeoutMs: 15_000 })).status).toBe(500);
  } finally {
    await t.nats.restart();
  }
}, 30_000);

import type { NatsConnection } from '@nats-io/transport-node';
import type { InboundEnvelope, Receipt } from '../../core/contract/schemas';
import type { FeishuEmulator } from '../emulators/feishu';
import { Collector, client, eventually } from '../support';
import { newApp, startEmulator } from '../support/feishu';
import { GatewayProcess, processConfig } from '../support/gateway-process';
import { startNats, uniquePrefix, type TestNats } from '../support/nats-server';

let nats: TestNats;
let nc: NatsConnection;
let emu: FeishuEmulator;

beforeAll(async () => {
  nats = await startNats();
  nc = await client(nats.url);
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.stop();
  await nc.close();
  await nats.close();
});

test('faults - SIGKILL with 500 outbound queued and 500 inbound in flight: after a restart each arrives exactly once', async () => {
  const app = newApp(emu);
  const prefix = uniquePrefix();
  const cfg = await processConfig(nats.url, emu.url, app, prefix);
  const gw = new GatewayProcess(cfg.file, cfg.url, cfg.log);
  const inbox = new Collector<InboundEnvelope>(nc, `${prefix}.in.>`);
  const receipts = new Collector<Receipt>(nc, `${prefix}.receipt.>`);
  await nc.flush();
  await gw.start();
  await emu.waitForConnections(app.appId, 1);
  // Slow platform answers keep sends in flight, so the kill lands in the middle of some.
  emu.setLatency('create', 60);

  const N = 500;
  for (let i = 0; i < N; i++) {
    nc.publish(
      `${prefix}.out.feishu.default`,
      JSON.stringify({ id: `out-${i}`, conversation: { id: `oc_conv${i % 25}` }, text: `outbound #${i}` }),
    );
  }
  await nc.flush();
  const pushes: Array<Promise<unknown>> = [];
  for (let i = 0; i < N; i++) {
    const event = emu.message({
      appId: app.appId,
      chatId: `oc_in${i % 20}`,
      chatType: 'p2p',
      senderOpenId: `ou_user${i % 20}`,
      messageType: 'text',
      content: { text: `inbound #${i}` },
    });
    // Like Feishu: an event that is not acknowledged is delivered again later.
    pushes.push(
      emu.pushEvent(app.appId, event, { timeoutMs: 3000, redeliverUnacked: { afterMs: 300, times: 100 } }).catch(() => undefined),
    );
    if (i === 150) {
      await eventually(() => emu.sent.length >= 100, '100 outbound delivered before the kill', 30_000);
      await gw.kill('SIGKILL');
    }
  }
  await gw.start();

  await eventually(() => new Set(emu.sent.map((s) => s.uuid)).size >= N, `${N} outbound messages at the platform`, 60_000);
  await eventually(() => new Set(inbox.items.map((e) => e.id)).size >= N, `${N} inbound envelopes`, 60_000);
  await eventually(() => new Set(receipts.items.map((r) => r.id)).size >= N, `a receipt for each outbound`, 30_000);
  await new Promise((r) => setTimeout(r, 1000));

  const texts = emu.sent.map((s) => (s.content as { text: string }).text);
  expect(new Set(texts).size).toBe(N);
  expect(texts).toHaveLength(N);
  expect(emu.sent).toHaveLength(N);
  const inboundIds = inbox.items.map((e) => e.message.id);
  expect(new Set(inboundIds).size).toBe(N);
  expect(inboundIds).toHaveLength(N);
  expect(receipts.items.every((r) => r.ok)).toBe(true);
  const creates = emu.requests.filter((q) => q.api === 'create' && q.appId === app.appId).length;
  const redelivered = emu.deliveries.filter((d) => d.attempt > 1).length;
  process.stdout.write(
    `crash: outbound ${N} sent, ${emu.sent.length} delivered (${creates} create calls), inbound ${N} pushed, ${inboundIds.length} on chat.in (${redelivered} redeliveries), receipts ${receipts.items.length} for ${N} ids\n`,
  );
  emu.setLatency('create', 0);
  await gw.kill('SIGTERM');
  expect(gw.exits.at(-1)).toBe(0);
  await Promise.all(pushes);
  inbox.close();
  receipts.close();
}, 180_000);

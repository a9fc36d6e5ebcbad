import type { InboundEnvelope, Receipt } from '../../core/contract/schemas';
import { eventually, inboundBarrier, outboundBarrier, withoutMarkers } from '../support';
import { newApp, textEvent } from '../support/feishu';
import { useGatewayTest } from '../support/fixture';
import { GatewayProcess, processConfig } from '../support/gateway-process';
import { uniquePrefix } from '../support/nats-server';

const t = useGatewayTest({ emulator: 'feishu', scope: 'file' });

test('faults - SIGKILL with 500 outbound queued and 500 inbound in flight: after a restart each arrives exactly once', async () => {
  const emu = t.emu;
  const app = newApp(emu);
  const prefix = uniquePrefix();
  const cfg = await processConfig(t.nats.url, emu.url, app, prefix);
  const gw = new GatewayProcess(cfg.file, cfg.url, cfg.log);
  t.defer(() => gw.kill('SIGKILL'));
  const inbox = await t.collect<InboundEnvelope>(`${prefix}.in.>`);
  const receipts = await t.collect<Receipt>(`${prefix}.receipt.>`);
  await gw.start();
  await emu.waitForConnections(app.appId, 1);
  // Slow platform answers keep sends in flight, so the kill lands in the middle of some.
  emu.setLatency('create', 60);

  const N = 500;
  for (let i = 0; i < N; i++) {
    t.nc.publish(
      `${prefix}.out.feishu.default`,
      JSON.stringify({ id: `out-${i}`, conversation: { id: `oc_conv${i % 25}` }, text: `outbound #${i}` }),
    );
  }
  await t.nc.flush();
  const pushes: Array<Promise<unknown>> = [];
  for (let i = 0; i < N; i++) {
    const event = textEvent(emu, app, `inbound #${i}`, { chatId: `oc_in${i % 20}`, senderOpenId: `ou_user${i % 20}` });
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
  // Barriers: the platform's redeliveries are over; then a marker through each conversation, and one inbound.
  await Promise.all(pushes);
  const creates = emu.requests.filter((q) => q.api === 'create' && q.appId === app.appId).length;
  const redelivered = emu.deliveries.filter((d) => d.attempt > 1).length;
  const conversations = Array.from({ length: 25 }, (_, c) => `oc_conv${c}`);
  await Promise.all(conversations.map((c) => outboundBarrier(t.nc, receipts, `${prefix}.out.feishu.default`, c)));
  await inboundBarrier(inbox, (text) =>
    emu.pushEvent(app.appId, textEvent(emu, app, text, { chatId: 'oc_in0', senderOpenId: 'ou_user0' })),
  );

  const sent = withoutMarkers(emu.sent);
  const texts = sent.map((s) => (s.content as { text: string }).text);
  expect(new Set(texts).size).toBe(N);
  expect(texts).toHaveLength(N);
  expect(sent).toHaveLength(N);
  const inboundIds = inbox.items.map((e) => e.message.id);
  expect(new Set(inboundIds).size).toBe(N);
  expect(inboundIds).toHaveLength(N);
  expect(receipts.items.every((r) => r.ok)).toBe(true);
  process.stdout.write(
    `crash: outbound ${N} sent, ${sent.length} delivered (${creates} create calls), inbound ${N} pushed, ${inboundIds.length} on chat.in (${redelivered} redeliveries), receipts ${receipts.items.length} for ${N} ids\n`,
  );
  emu.setLatency('create', 0);
  await gw.kill('SIGTERM');
  expect(gw.exits.at(-1)).toBe(0);
}, 180_000);

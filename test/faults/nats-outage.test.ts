import type { NatsConnection } from '@nats-io/transport-node';
import type { InboundEnvelope, Receipt } from '../../core/contract/schemas';
import { AgentClient } from '../../core/agent';
import type { FeishuEmulator } from '../emulators/feishu';
import { Collector, client, eventually, startGateway, type Started } from '../support';
import { feishuConfig, newApp, startEmulator } from '../support/feishu';
import { startNats, uniquePrefix, type TestNats } from '../support/nats-server';

let nats: TestNats;
let emu: FeishuEmulator;
let run: Started | undefined;

beforeAll(async () => {
  nats = await startNats({ own: true });
  emu = await startEmulator();
});
afterAll(async () => {
  await run?.gateway.stop();
  await emu.stop();
  await nats.close();
});

test('faults - NATS down for 10 s during traffic: nothing is acknowledged meanwhile, everything arrives once after, readiness shows it', async () => {
  const app = newApp(emu);
  const prefix = uniquePrefix();
  run = await startGateway(feishuConfig(nats.url, prefix, emu.url, app, '    allowFrom: ["*"]\n'));
  await emu.waitForConnections(app.appId, 1);
  const agent: NatsConnection = await client(nats.url);
  const inbox = new Collector<InboundEnvelope>(agent, `${prefix}.in.>`);
  const receipts = new Collector<Receipt>(agent, `${prefix}.receipt.>`);
  await agent.flush();

  const acks: number[] = [];
  const pushes: Array<Promise<unknown>> = [];
  const push = (i: number) => {
    const event = emu.message({
      appId: app.appId,
      chatId: `oc_c${i % 5}`,
      chatType: 'p2p',
      senderOpenId: `ou_u${i % 5}`,
      messageType: 'text',
      content: { text: `in ${i}` },
    });
    pushes.push(
      emu.pushEvent(app.appId, event, { timeoutMs: 8000, redeliverUnacked: { afterMs: 1000, times: 60 } }).then(
        (a) => acks.push(a.code),
        () => acks.push(-1),
      ),
    );
  };
  // The agent publishes through the agent client: a JetStream publish, repeated until the stream stores it.
  const sender = await AgentClient.connect({ servers: nats.url, prefix, onError: () => undefined });
  const sends: Array<Promise<unknown>> = [];
  const publish = (i: number) =>
    sends.push(sender.send('feishu', 'default', { id: `o${i}`, conversation: { id: `oc_c${i % 5}` }, text: `out ${i}` }));

  for (let i = 0; i < 20; i++) {
    push(i);
    publish(i);
  }
  await eventually(() => inbox.items.length === 20 && receipts.items.length === 20, 'traffic before the outage');

  await nats.stop();
  const downAt = Date.now();
  await eventually(async () => (await fetch(`${run!.gateway.http.url}/readyz`)).status === 503, 'readiness shows the outage');
  const ready = (await (await fetch(`${run!.gateway.http.url}/readyz`)).json()) as { nats: string };
  expect(ready.nats).toBe('disconnected');
  for (let i = 20; i < 40; i++) {
    push(i);
    publish(i);
  }
  await eventually(() => acks.length >= 40, 'the first attempts of events pushed during the outage are answered', 20_000);
  expect(acks.slice(20, 40).every((c) => c !== 200)).toBe(true);
  await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - downAt))));
  await nats.restart();

  await eventually(async () => (await fetch(`${run!.gateway.http.url}/readyz`)).status === 200, 'ready again', 20_000);
  for (let i = 40; i < 60; i++) {
    push(i);
    publish(i);
  }
  await eventually(() => new Set(inbox.items.map((e) => e.id)).size === 60, 'all 60 inbound envelopes', 60_000);
  await eventually(() => new Set(receipts.items.map((r) => r.id)).size === 60, 'all 60 receipts', 60_000);
  expect((await Promise.allSettled(sends)).every((r) => r.status === 'fulfilled')).toBe(true);
  await new Promise((r) => setTimeout(r, 1000));
  expect(inbox.items).toHaveLength(60);
  expect(emu.sent.filter((s) => s.appId === app.appId)).toHaveLength(60);
  expect(receipts.items.every((r) => r.ok)).toBe(true);
  expect(run!.logs.messages()).toEqual(expect.arrayContaining(['NATS connection lost; reconnecting', 'NATS connection restored']));
  process.stdout.write(
    `nats outage: 60 inbound pushed, ${inbox.items.length} stored once, ${acks.filter((c) => c !== 200).length} attempts refused during the outage; 60 outbound, ${emu.sent.length} delivered, ${receipts.items.length} receipts\n`,
  );
  inbox.close();
  receipts.close();
  await agent.close();
  await sender.close();
  await Promise.all(pushes);
}, 120_000);

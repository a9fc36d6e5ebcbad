import { AgentClient } from '../../core/agent';
import { eventually, withoutMarkers } from '../support';
import { bootFeishu, textEvent } from '../support/feishu';
import { useGatewayTest } from '../support/fixture';

const t = useGatewayTest({ emulator: 'feishu', scope: 'file', nats: { own: true } });

test('faults - NATS down for 10 s during traffic: nothing is acknowledged meanwhile, everything arrives once after, readiness shows it', async () => {
  const { app, gw } = await bootFeishu(t);
  const { inbox, receipts, prefix } = gw;

  const acks: number[] = [];
  const pushes: Array<Promise<unknown>> = [];
  const push = (i: number) => {
    const event = textEvent(t.emu, app, `in ${i}`, { chatId: `oc_c${i % 5}`, senderOpenId: `ou_u${i % 5}` });
    pushes.push(
      t.emu.pushEvent(app.appId, event, { timeoutMs: 8000, redeliverUnacked: { afterMs: 1000, times: 60 } }).then(
        (a) => acks.push(a.code),
        () => acks.push(-1),
      ),
    );
  };
  // The agent publishes through the agent client: a JetStream publish, repeated until the stream stores it.
  const sender = await AgentClient.connect({ servers: t.nats.url, prefix, onError: () => undefined });
  t.defer(() => sender.close());
  const sends: Array<Promise<unknown>> = [];
  const publish = (i: number) =>
    sends.push(sender.send('feishu', 'default', { id: `o${i}`, conversation: { id: `oc_c${i % 5}` }, text: `out ${i}` }));

  for (let i = 0; i < 20; i++) {
    push(i);
    publish(i);
  }
  await eventually(() => inbox.items.length === 20 && receipts.items.length === 20, 'traffic before the outage');

  await t.nats.stop();
  const downAt = Date.now();
  await eventually(async () => (await fetch(`${gw.gateway.http.url}/readyz`)).status === 503, 'readiness shows the outage');
  const ready = (await (await fetch(`${gw.gateway.http.url}/readyz`)).json()) as { nats: string };
  expect(ready.nats).toBe('disconnected');
  for (let i = 20; i < 40; i++) {
    push(i);
    publish(i);
  }
  await eventually(() => acks.length >= 40, 'the first attempts of events pushed during the outage are answered', 20_000);
  expect(acks.slice(20, 40).every((c) => c !== 200)).toBe(true);
  await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - downAt))));
  await t.nats.restart();

  await eventually(async () => (await fetch(`${gw.gateway.http.url}/readyz`)).status === 200, 'ready again', 20_000);
  for (let i = 40; i < 60; i++) {
    push(i);
    publish(i);
  }
  await eventually(() => new Set(inbox.items.map((e) => e.id)).size === 60, 'all 60 inbound envelopes', 60_000);
  await eventually(() => new Set(receipts.items.map((r) => r.id)).size === 60, 'all 60 receipts', 60_000);
  expect((await Promise.allSettled(sends)).every((r) => r.status === 'fulfilled')).toBe(true);
  // Barriers: the platform's redeliveries are over, then a marker through each conversation and one inbound.
  await Promise.all(pushes);
  await Promise.all([0, 1, 2, 3, 4].map((c) => gw.outboundBarrier('feishu.default', `oc_c${c}`)));
  await gw.inboundBarrier((text) => t.emu.pushEvent(app.appId, textEvent(t.emu, app, text, { chatId: 'oc_c0', senderOpenId: 'ou_u0' })));
  expect(inbox.items).toHaveLength(60);
  expect(withoutMarkers(t.emu.sent.filter((s) => s.appId === app.appId))).toHaveLength(60);
  expect(receipts.items.every((r) => r.ok)).toBe(true);
  expect(gw.logs.messages()).toEqual(
    expect.arrayContaining([
      'NATS connection lost; reconnecting',
      'NATS connection restored',
      // The restarted server forgot the outbound consumer (kept in memory): it was made again.
      'outbound consumer gone (a NATS restart forgets it): made again; what was not acknowledged comes again',
    ]),
  );
  process.stdout.write(
    `nats outage: 60 inbound pushed, ${inbox.items.length} stored once, ${acks.filter((c) => c !== 200).length} attempts refused during the outage; 60 outbound, ${withoutMarkers(t.emu.sent).length} delivered, ${receipts.items.length} receipts\n`,
  );
}, 120_000);

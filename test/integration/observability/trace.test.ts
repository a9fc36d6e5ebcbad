import { readFileSync, writeFileSync } from 'node:fs';
import type { NatsConnection } from '@nats-io/transport-node';
import { headers } from '@nats-io/transport-node';
import { AgentClient } from '../../../core/agent';
import type { InboundEnvelope } from '../../../core/contract/schemas';
import type { FeishuEmulator } from '../../emulators/feishu';
import {
  LOOPBACK_PATH,
  client,
  eventually,
  loopback,
  loopbackConfig,
  startFromFile,
  startGateway,
  writeConfig,
  type Started,
} from '../../support';
import { feishuConfig, newApp, startEmulator } from '../../support/feishu';
import { GatewayProcess, processConfig } from '../../support/gateway-process';
import { startNats, uniquePrefix, type TestNats } from '../../support/nats-server';
import { HeaderCollector, spanIdOf, traceIdOf } from './header-collector';
import { OtlpReceiver } from './otlp-receiver';

let nats: TestNats;
let nc: NatsConnection;
let emu: FeishuEmulator | undefined;
let run: Started | undefined;
let agent: AgentClient | undefined;
let receiver: OtlpReceiver | undefined;
const collectors: HeaderCollector[] = [];

const USER = 'ou_7d8a6e6d0a1b2c3d4e5f60718293a4b5';
const CHAT = 'oc_5ce6d5720a1b2c3d4e5f60718293a4b5';
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/;

beforeAll(async () => {
  nats = await startNats();
  nc = await client(nats.url);
});
afterEach(async () => {
  for (const c of collectors.splice(0)) c.close();
  await agent?.close();
  agent = undefined;
  await run?.gateway.stop();
  run = undefined;
  await emu?.stop();
  emu = undefined;
  await receiver?.stop();
  receiver = undefined;
});
afterAll(async () => {
  await nc.close();
  await nats.close();
});

const watch = (subject: string) => {
  const c = new HeaderCollector(nc, subject);
  collectors.push(c);
  return c;
};

/** A text a user sends the bot in a direct chat. */
const directMessage = (appId: string, text: string) =>
  emu!.message({ appId, chatId: CHAT, chatType: 'p2p', senderOpenId: USER, messageType: 'text', content: { text } });

/** A Feishu gateway on the emulator, an echo agent, and collectors on every subject a message crosses. */
async function feishuRoundTrip() {
  emu = await startEmulator();
  const app = newApp(emu);
  const prefix = uniquePrefix();
  run = await startGateway(feishuConfig(nats.url, prefix, emu.url, app, '    allowFrom: ["*"]\n'));
  await emu.waitForConnections(app.appId, 1);
  const seen = { in: watch(`${prefix}.in.>`), out: watch(`${prefix}.out.>`), receipts: watch(`${prefix}.receipt.>`) };
  await nc.flush();
  agent = await AgentClient.connect({ servers: nats.url, prefix });
  const agentSaw: Array<string | undefined> = [];
  await agent.onMessage(async (msg) => {
    agentSaw.push(agent!.traceparent(msg));
    await agent!.reply(msg, `answer to: ${msg.message.text}`);
  });
  const event = directMessage(app.appId, 'how many?');
  const messageId = (event.event.message as { message_id: string }).message_id;
  expect((await emu.pushEvent(app.appId, event)).code).toBe(200);
  const [receipt] = await seen.receipts.waitFor(1);
  return { seen, agentSaw, messageId, receipt: receipt! };
}

test('trace - one traceparent goes from a Feishu event through the agent to the platform call and the receipt', async () => {
  const { seen, agentSaw, messageId, receipt } = await feishuRoundTrip();
  const inbound = seen.in.items[0]!;
  expect(inbound.body).toMatchObject({ id: `feishu:default:${messageId}` });
  expect(inbound.traceparent).toMatch(TRACEPARENT);
  const traceId = traceIdOf(inbound.traceparent)!;

  // The agent got the header with the message, and its reply carried it on by itself.
  expect(agentSaw).toEqual([inbound.traceparent]);
  const [outbound] = await seen.out.waitFor(1);
  expect(outbound!.traceparent).toBe(inbound.traceparent);

  // The platform received the reply to that message, and the receipt is in the same trace.
  expect(emu!.sent).toHaveLength(1);
  expect(emu!.sent[0]).toMatchObject({
    kind: 'reply',
    replyTo: messageId,
    uuid: outbound!.body.id,
    content: { text: 'answer to: how many?' },
  });
  expect(receipt.body).toMatchObject({ id: outbound!.body.id, ok: true, messageIds: [emu!.sent[0]!.messageId] });
  expect(traceIdOf(receipt.traceparent)).toBe(traceId);
  expect(spanIdOf(receipt.traceparent)).not.toBe(spanIdOf(inbound.traceparent));

  // One grep for the trace id finds the message's way through the gateway.
  const lines = run!.logs.lines.filter((l) => l.trace_id === traceId);
  expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['inbound message stored', 'outbound envelope delivered']));
  expect(lines.find((l) => l.msg === 'outbound envelope delivered')).toMatchObject({ id: outbound!.body.id, attempts: 1 });
  expect(run!.logs.lines.filter((l) => l.msg === 'inbound message stored' && l.trace_id !== traceId)).toEqual([]);
});

test('trace - at log level info (no trace scope) core still puts the trace id on its lines about the message', async () => {
  emu = await startEmulator();
  const app = newApp(emu);
  const prefix = uniquePrefix();
  const config = feishuConfig(nats.url, prefix, emu.url, app, '    allowFrom: ["*"]\n').replace('  level: debug', '  level: info');
  run = await startFromFile(writeConfig(config), { logLevel: 'config' });
  await emu.waitForConnections(app.appId, 1);
  const seen = { in: watch(`${prefix}.in.>`), receipts: watch(`${prefix}.receipt.>`) };
  await nc.flush();
  agent = await AgentClient.connect({ servers: nats.url, prefix });
  await agent.onMessage(async (msg) => {
    await agent!.reply(msg, 'answer');
  });
  // The first reply is refused with a retryable error: the retry line is written at info.
  emu.failNext({ api: 'reply', code: 99991400 });
  expect((await emu.pushEvent(app.appId, directMessage(app.appId, 'hi'))).code).toBe(200);
  const [inbound] = await seen.in.waitFor(1);
  const [receipt] = await seen.receipts.waitFor(1);
  expect(receipt!.body).toMatchObject({ ok: true, attempts: 2 });
  const traceId = traceIdOf(inbound!.traceparent)!;
  expect(traceIdOf(receipt!.traceparent)).toBe(traceId);
  const retry = run.logs.lines.find((l) => String(l.msg).startsWith('delivery attempt failed, retrying'));
  expect(retry).toMatchObject({ trace_id: traceId, attempt: 1, platformCode: 99991400 });
  expect(retry!.span_id).toMatch(/^[0-9a-f]{16}$/);
  // Nothing at debug was written, and no line outside the message's handling got its id.
  expect(run.logs.lines.filter((l) => (l.level as number) < 30)).toEqual([]);
  expect(run.logs.lines.filter((l) => l.trace_id === traceId).map((l) => l.msg)).toEqual([retry!.msg]);
});

test('trace - with OTEL_EXPORTER_OTLP_ENDPOINT a gateway process exports the spans of that way, parent by parent', async () => {
  // A real process started as operators do: the SDK's exporter loads its HTTP transport with a dynamic
  // import(), which jest's module system cannot run.
  receiver = new OtlpReceiver();
  const endpoint = await receiver.start();
  emu = await startEmulator();
  const app = newApp(emu);
  const prefix = uniquePrefix();
  const cfg = await processConfig(nats.url, emu.url, app, prefix);
  // Each message's steps are logged at debug level (failures and retries at info and above).
  writeFileSync(cfg.file, readFileSync(cfg.file, 'utf8').replace('level: info', 'level: debug'));
  const gw = new GatewayProcess(cfg.file, cfg.url, cfg.log, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'gw-under-test' });
  await gw.start();
  try {
    await emu.waitForConnections(app.appId, 1);
    const seen = { in: watch(`${prefix}.in.>`), receipts: watch(`${prefix}.receipt.>`) };
    await nc.flush();
    agent = await AgentClient.connect({ servers: nats.url, prefix });
    await agent.onMessage((msg) => agent!.reply(msg, 'answer').then(() => undefined));
    const event = directMessage(app.appId, 'q');
    expect((await emu.pushEvent(app.appId, event)).code).toBe(200);
    const [receipt] = await seen.receipts.waitFor(1);
    const inbound = seen.in.items[0]!;
    const traceId = traceIdOf(inbound.traceparent)!;
    await gw.kill('SIGTERM'); // a clean stop flushes the batch of spans
    expect(receiver.refused).toEqual([]);
    const spans = receiver.spans.filter((s) => s.traceId === traceId);
    const byName = Object.fromEntries(spans.map((s) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual(['chat.inbound', 'chat.outbound', 'feishu.send']);
    const { 'chat.inbound': inSpan, 'chat.outbound': outSpan, 'feishu.send': call } = byName as Record<string, (typeof spans)[0]>;
    expect(inSpan!.parentSpanId ?? '').toBe('');
    expect(inSpan!.spanId).toBe(spanIdOf(inbound.traceparent));
    expect(outSpan!.parentSpanId).toBe(inSpan!.spanId);
    expect(call!.parentSpanId).toBe(outSpan!.spanId);
    expect(outSpan!.spanId).toBe(spanIdOf(receipt!.traceparent));
    expect(receiver.attribute(inSpan!, 'chat.inbound.outcome')).toBe('stored');
    expect(receiver.attribute(outSpan!, 'chat.receipt.ok')).toBe(true);
    expect(inSpan!.service).toBe('gw-under-test');
    // The outbound span starts when NATS stored the reply: after the inbound one started.
    expect(BigInt(outSpan!.startTimeUnixNano) >= BigInt(inSpan!.startTimeUnixNano)).toBe(true);
    // The process's log lines carry the same trace id.
    const lines = readFileSync(cfg.log, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.trace_id === traceId).map((l) => l.msg)).toEqual(
      expect.arrayContaining(['inbound message stored', 'outbound envelope delivered']),
    );
  } finally {
    await gw.kill();
  }
});

test('trace - a platform traceparent is continued; an agent header that is not one starts a new trace, never fails', async () => {
  const prefix = uniquePrefix();
  run = await startGateway(loopbackConfig(nats.url, prefix, `  - use: ${LOOPBACK_PATH}\n`));
  const seen = { in: watch(`${prefix}.in.>`), receipts: watch(`${prefix}.receipt.>`) };
  await nc.flush();
  const platform = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const result = await loopback.get().receive({
    messageId: 'tp1',
    conversation: { id: 'c1', type: 'direct' },
    sender: { id: 'u1' },
    parts: [{ type: 'text', text: 'hi' }],
    traceparent: platform,
  });
  expect(result.outcome).toBe('stored');
  const [inbound] = await seen.in.waitFor(1);
  expect(traceIdOf(inbound!.traceparent)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  expect(spanIdOf(inbound!.traceparent)).not.toBe('00f067aa0ba902b7');

  const h = headers();
  h.set('traceparent', 'not-a-trace');
  nc.publish(`${prefix}.out.loopback.default`, JSON.stringify({ id: 'bad-tp', conversation: { id: 'c1' }, text: 'x' }), { headers: h });
  nc.publish(`${prefix}.out.loopback.default`, JSON.stringify({ id: 'no-tp', conversation: { id: 'c1' }, text: 'y' }));
  const receipts = await seen.receipts.waitFor(2);
  for (const r of receipts) {
    expect(r.body).toMatchObject({ ok: true });
    expect(r.traceparent).toMatch(TRACEPARENT);
  }
  expect(new Set(receipts.map((r) => traceIdOf(r.traceparent))).size).toBe(2);
});

test('trace - the agent client passes a message trace on from a durable consumer and from send() inside the handler', async () => {
  const prefix = uniquePrefix();
  run = await startGateway(loopbackConfig(nats.url, prefix, `  - use: ${LOOPBACK_PATH}\n`));
  const out = watch(`${prefix}.out.>`);
  const inbox = watch(`${prefix}.in.>`);
  await nc.flush();
  agent = await AgentClient.connect({ servers: nats.url, prefix });
  const handled: InboundEnvelope[] = [];
  await agent.onMessage(
    async (msg) => {
      handled.push(msg);
      await agent!.send('loopback', 'default', { conversation: { id: 'elsewhere' }, text: 'note' });
    },
    { durable: 'trace-test' },
  );
  await loopback
    .get()
    .receive({ messageId: 'd1', conversation: { id: 'c1', type: 'direct' }, sender: { id: 'u1' }, parts: [{ type: 'text', text: 'hi' }] });
  const [inbound] = await inbox.waitFor(1);
  const [sent] = await out.waitFor(1);
  expect(sent!.traceparent).toBe(inbound!.traceparent);
  await eventually(() => handled.length === 1, 'handled once');
  await expect(agent.reply(handled[0]!, 'x', { traceparent: 'nope' })).rejects.toMatchObject({ code: 'E_SCHEMA' });
});

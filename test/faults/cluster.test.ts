import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { JetStreamApiError, jetstream, jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { collectStatus } from '../../core/bus/status-view';
import type { InboundEnvelope, Receipt } from '../../core/contract/schemas';
import { subjects, type Subjects } from '../../core/contract/subjects';
import { outboxKey } from '../../core/delivery/outbox';
import { Kvm } from '@nats-io/kv';
import { Collector, eventually, outboundBarrier, withoutMarkers, writeConfig } from '../support';
import { ALLOW_ALL, feishuEntry, newApp, textEvent, type FeishuApp } from '../support/feishu';
import { useGatewayTest } from '../support/fixture';
import { GatewayProcess } from '../support/gateway-process';
import { isMarker, newMarker } from '../support/marker';
import { NatsCluster } from '../support/nats-cluster';
import { freePort, uniquePrefix } from '../support/nats-server';

const t = useGatewayTest({ emulator: 'feishu', scope: 'file' });
let cluster: NatsCluster;

beforeAll(async () => {
  cluster = await NatsCluster.start(3);
}, 60_000);
afterAll(() => cluster?.close());
// Each test starts on a whole cluster: a node a test killed comes back, with its store.
afterEach(async () => {
  for (const n of cluster.nodes) await cluster.launch(n.name);
  await cluster.waitForMetaLeader();
}, 60_000);

const CONVERSATIONS = 6;
const PER_CONVERSATION = 20;
const N = CONVERSATIONS * PER_CONVERSATION;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A gateway process at `nats.replicas: 3` connected to node `node` (it learns the others from it). */
async function gatewayOn(node: string, app: FeishuApp, prefix: string): Promise<GatewayProcess & { log: string }> {
  const port = await freePort();
  const file = writeConfig(`nats:
  servers: ${cluster.node(node).url}
  prefix: ${prefix}
  autoStart: false
  replicas: 3
http:
  listen: 127.0.0.1:${port}
log:
  level: info
delivery:
  initialBackoff: 50ms
  maxBackoff: 1s
lifecycle:
  stopTimeout: 3s
plugins:
${feishuEntry(t.emu.url, app, ALLOW_ALL)}`);
  const log = join(mkdtempSync(join(tmpdir(), 'cg-log-')), 'gateway.log');
  const gw = Object.assign(new GatewayProcess(file, `http://127.0.0.1:${port}`, log), { log });
  t.defer(() => gw.kill('SIGKILL'));
  return gw;
}

/**
 * A Feishu app and a gateway replica on each of `nodes`, started and connected to the app, and an
 * agent's connection to node `client`.
 */
async function startGateways(nodes: string[], client: string) {
  const app = newApp(t.emu);
  const prefix = uniquePrefix();
  const gateways: Array<GatewayProcess & { log: string }> = [];
  for (const node of nodes) {
    const gw = await gatewayOn(node, app, prefix);
    await gw.start(60_000);
    gateways.push(gw);
  }
  await t.emu.waitForConnections(app.appId, nodes.length);
  const nc = await cluster.client(client);
  t.defer(() => nc.close());
  return { app, prefix, s: subjects(prefix), gateways, nc };
}

async function readyz(gw: GatewayProcess): Promise<{ status: number; body: { ready: boolean; storage?: string; nats?: string } }> {
  const res = await fetch(`${gw.httpUrl}/readyz`);
  return { status: res.status, body: (await res.json()) as { ready: boolean; storage?: string } };
}

/** Moves the leader of `stream` off node `keep` (asking for step-downs), so killing the leader spares `keep`. */
async function leaderNotOn(nc: NatsConnection, stream: string, keep: string): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const leader = await cluster.leaderOf(stream, keep);
    if (leader !== keep) return leader;
    await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, '', { timeout: 5000 }).catch(() => undefined);
    await sleep(500);
  }
  throw new Error(`the leader of ${stream} stays on ${keep}`);
}

/** Every envelope stored in the inbound stream, in stream order. */
async function storedInbound(nc: NatsConnection, s: Subjects): Promise<InboundEnvelope[]> {
  // Reading a stream needs its leader, not the meta leader (which a cluster just back may still elect).
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  let state!: { first_seq: number; last_seq: number; messages: number };
  await eventually(
    async () => {
      state = (await jsm.streams.info(s.inStream).catch(() => undefined))?.state ?? state;
      return state !== undefined;
    },
    `${s.inStream} answers`,
    30_000,
  );
  const out: InboundEnvelope[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    let m: StoredMsg | null = null;
    await eventually(
      async () => {
        try {
          m = await jsm.streams.getMessage(s.inStream, { seq });
          return true;
        } catch (err) {
          // Deleted: nothing at this sequence. Anything else (a leader election): asked again.
          return err instanceof JetStreamApiError && err.code === 10037;
        }
      },
      `message ${seq} of ${s.inStream}`,
      30_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; state ${JSON.stringify(state)}`);
    });
    if (m) out.push((m as StoredMsg).json<InboundEnvelope>());
  }
  return out;
}

/** The numbers of conversation `c`'s texts (`<c>:<n>`), in the order given. */
const numbers = (texts: string[], c: number) => texts.filter((x) => x.startsWith(`${c}:`)).map((x) => Number(x.split(':')[1]));
const inOrder = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1]! < x);

/**
 * The platform's side of inbound: each event is delivered again (the way Feishu redelivers an event
 * without a 200 acknowledgement) until the gateway acknowledges it; conversations run side by side,
 * one event at a time each, so a conversation's events are stored in the order they happened.
 */
function platform(app: FeishuApp, conn?: () => number | undefined) {
  const acks: Array<{ text: string; code: number; at: number }> = [];
  const deliverUntilAcked = (text: string, c: number) =>
    redeliverUntilAcked(textEvent(t.emu, app, text, { chatId: `oc_in${c}`, senderOpenId: `ou_u${c}` }), text);
  const redeliverUntilAcked = async (event: ReturnType<typeof textEvent>, text: string) => {
    for (let attempt = 1; attempt <= 200; attempt++) {
      const connection = conn?.();
      const ack = await t.emu
        .pushEvent(app.appId, event, { timeoutMs: 4000, ...(connection === undefined ? {} : { connection }) })
        .catch(() => undefined);
      acks.push({ text, code: ack?.code ?? -1, at: Date.now() });
      if (ack?.code === 200) return;
      await sleep(300);
    }
    throw new Error(`event ${text} never acknowledged`);
  };
  const run = (from: number, to: number) =>
    Promise.all(
      Array.from({ length: CONVERSATIONS }, async (_, c) => {
        for (let n = from; n < to; n++) await deliverUntilAcked(`${c}:${n}`, c);
      }),
    );
  return { acks, deliverUntilAcked, redeliverUntilAcked, run };
}

/**
 * The agent's side of outbound, as the agent client does it: a JetStream publish with the envelope id
 * as `Nats-Msg-Id`, published again until the stream stores it; per conversation one envelope after
 * the other is stored, all conversations at once.
 */
function agentTraffic(nc: NatsConnection, prefix: string, from: number, to: number, tag: string) {
  const js = jetstream(nc);
  const subject = subjects(prefix).out('feishu', 'default');
  return Promise.all(
    Array.from({ length: CONVERSATIONS }, async (_, c) => {
      for (let n = from; n < to; n++) {
        const id = `${tag}-${c}-${n}`;
        const data = JSON.stringify({ id, conversation: { id: `oc_out${c}` }, text: `${c}:${n}` });
        for (let attempt = 1; ; attempt++) {
          const stored = await js.publish(subject, data, { msgID: id, timeout: 3000 }).catch(() => undefined);
          if (stored) break;
          if (attempt >= 100) throw new Error(`envelope ${id} never stored`);
          await sleep(200);
        }
      }
    }),
  );
}

/** Checks: every inbound event stored once and in order, every outbound envelope sent once and in order, every receipt ok. */
async function verify(
  nc: NatsConnection,
  prefix: string,
  receiptsSeen: Collector<Receipt>,
  app: FeishuApp,
  deliverUntilAcked: (text: string, c: number) => Promise<void>,
  opts: { receiptsFromOutbox?: boolean } = {},
) {
  const s = subjects(prefix);
  // Barriers: a marker through each outbound conversation; one inbound event stored after all the others.
  for (let c = 0; c < CONVERSATIONS; c++) await outboundBarrier(nc, receiptsSeen, s.out('feishu', 'default'), `oc_out${c}`, 60_000);
  const marker = newMarker();
  await deliverUntilAcked(marker, 0);
  const stored = await storedInbound(nc, s);
  expect(stored.at(-1)?.kind === 'message' && stored.at(-1)?.message.text).toBe(marker);
  const inTexts = stored.flatMap((e) => (e.kind === 'message' && !isMarker({ id: e.message.text }) ? [e.message.text] : []));
  const sent = withoutMarkers(t.emu.sent).filter((m) => m.appId === app.appId);
  const outTexts = sent.map((m) => (m.content as { text: string }).text);
  const ids = new Set(receiptsSeen.items.map((r) => r.id));
  const figures = {
    inbound: { events: N, stored: inTexts.length, lost: N - new Set(inTexts).size, duplicated: inTexts.length - new Set(inTexts).size },
    outbound: {
      envelopes: N,
      sent: outTexts.length,
      lost: N - new Set(outTexts).size,
      duplicated: outTexts.length - new Set(outTexts).size,
    },
    receipts: { distinct: ids.size, ok: receiptsSeen.items.every((r) => r.ok), repeated: receiptsSeen.items.length - ids.size },
  };
  expect(figures.inbound).toEqual({ events: N, stored: N, lost: 0, duplicated: 0 });
  expect(figures.outbound).toEqual({ envelopes: N, sent: N, lost: 0, duplicated: 0 });
  if (opts.receiptsFromOutbox) {
    // The gateway's own server lost: a receipt on its way through that server may be lost with it (core
    // NATS); the outbox keeps every delivered envelope's receipt, where the agent client looks it up.
    const outbox = await new Kvm(nc).open(s.outboxBucket);
    const expected = [...new Set(sent.map((m) => m.uuid!))];
    const missing = expected.filter((id) => !ids.has(id));
    for (const id of missing)
      expect((await outbox.get(outboxKey('feishu', 'default', id)))?.json<{ receipt: Receipt }>().receipt).toMatchObject({ id, ok: true });
    Object.assign(figures.receipts, { fromOutbox: missing.length });
    expect(ids.size + missing.length).toBe(N);
  } else expect(figures.receipts).toMatchObject({ distinct: N, ok: true });
  for (let c = 0; c < CONVERSATIONS; c++) {
    expect(inOrder(numbers(inTexts, c))).toBe(true);
    expect(inOrder(numbers(outTexts, c))).toBe(true);
  }
  return figures;
}

const STREAMS = { CHAT_OUT: (s: Subjects) => s.outStream, CHAT_IN: (s: Subjects) => s.inStream };

for (const which of ['CHAT_OUT', 'CHAT_IN'] as const) {
  test(`faults - cluster at replicas 3: the leader of ${which} is killed mid-traffic; every event and envelope arrives once, in order, receipts complete`, async () => {
    const { app, prefix, s, gateways, nc } = await startGateways(['n1'], 'n1');
    const [gw] = gateways;
    const leader = await leaderNotOn(nc, STREAMS[which](s), 'n1');
    const receiptsSeen = await t.collect<Receipt>(`${prefix}.receipt.>`, nc);
    const { run, deliverUntilAcked } = platform(app);

    const third = Math.round(PER_CONVERSATION / 3);
    await Promise.all([run(0, third), agentTraffic(nc, prefix, 0, third, which)]);
    const rest = Promise.all([run(third, PER_CONVERSATION), agentTraffic(nc, prefix, third, PER_CONVERSATION, which)]);
    const killedAt = Date.now();
    await cluster.kill(leader);
    await rest;
    const newLeader = await cluster.leaderOf(STREAMS[which](s), 'n1');
    const figures = await verify(nc, prefix, receiptsSeen, app, deliverUntilAcked);
    const log = readFileSync(gw.log, 'utf8');
    expect(log).not.toContain('another replica sends for the account now');
    process.stdout.write(
      `cluster: leader ${leader} of ${which} killed mid-traffic (new leader ${newLeader}, traffic done ${Date.now() - killedAt} ms later): ${JSON.stringify(figures)}\n`,
    );
  }, 150_000);
}

test('faults - cluster at replicas 3: two of three nodes lost: not ready ("cannot store"), nothing acknowledged that was not stored; one back: ready, redeliveries stored once', async () => {
  const { app, s, gateways, nc } = await startGateways(['n1'], 'n1');
  const [gw] = gateways;
  const { acks, deliverUntilAcked, redeliverUntilAcked } = platform(app);
  for (let c = 0; c < CONVERSATIONS; c++) await deliverUntilAcked(`${c}:0`, c);

  await Promise.all([cluster.kill('n2'), cluster.kill('n3')]);
  const lostAt = Date.now();
  let down!: Awaited<ReturnType<typeof readyz>>;
  await eventually(
    async () => {
      down = await readyz(gw);
      return down.status === 503 && down.body.storage !== 'ok';
    },
    'not ready without quorum',
    30_000,
  );
  expect(down.body).toMatchObject({ ready: false, nats: 'connected' });
  expect(down.body.storage).toMatch(/^cannot store: stream T\w+_(IN|OUT)/);
  const view = await collectStatus(nc, s);
  expect(view.ok).toBe(false);
  expect(view.replicas[0]?.storage).toMatchObject({ ok: false });
  const notReadyMs = Date.now() - lostAt;

  // The platform pushes while nothing can be stored: no event gets a 200.
  const during = acks.length;
  const events = Array.from({ length: CONVERSATIONS }, (_, c) =>
    textEvent(t.emu, app, `${c}:1`, { chatId: `oc_in${c}`, senderOpenId: `ou_u${c}` }),
  );
  for (let round = 0; round < 2; round++)
    await Promise.all(
      events.map((e) =>
        t.emu
          .pushEvent(app.appId, e, { timeoutMs: 8000 })
          .then((a) => acks.push({ text: 'down', code: a.code, at: Date.now() }))
          .catch(() => acks.push({ text: 'down', code: -1, at: Date.now() })),
      ),
    );
  const duringOutage = acks.slice(during);
  expect(duringOutage).toHaveLength(2 * CONVERSATIONS);
  expect(duringOutage.filter((a) => a.code === 200)).toEqual([]);

  await cluster.launch('n2');
  const backAt = Date.now();
  await eventually(async () => (await readyz(gw)).status === 200, 'ready again with 2 of 3 nodes', 60_000);
  const readyAfterMs = Date.now() - backAt;
  // The platform redelivers what was not acknowledged: each is stored once.
  for (const [c, event] of events.entries()) await redeliverUntilAcked(event, `${c}:1`);
  const stored = await storedInbound(nc, s);
  const texts = stored.flatMap((e) => (e.kind === 'message' ? [e.message.text] : []));
  expect([...texts].sort()).toEqual(
    Array.from({ length: CONVERSATIONS }, (_, c) => [`${c}:0`, `${c}:1`])
      .flat()
      .sort(),
  );
  const log = readFileSync(gw.log, 'utf8');
  expect(log).toContain('JetStream cannot store');
  expect(log).toContain('JetStream can store again: ready');
  expect(log).not.toContain('another replica sends for the account now');
  process.stdout.write(
    `cluster: 2 of 3 nodes lost: not ready after ${notReadyMs} ms ("${down.body.storage}"), ${duringOutage.length} deliveries during the outage, none acknowledged; one node back: ready after ${readyAfterMs} ms; ${texts.length} stored (${2 * CONVERSATIONS} events, 0 lost, 0 duplicated)\n`,
  );
}, 150_000);

test('faults - cluster at replicas 3: two gateway replicas on different nodes, the node of one is lost mid-traffic; the survivors carry on', async () => {
  const { app, prefix, gateways, nc } = await startGateways(['n1', 'n2'], 'n3');
  const [gwA, gwB] = gateways;
  const receiptsSeen = await t.collect<Receipt>(`${prefix}.receipt.>`, nc);
  const { run, deliverUntilAcked } = platform(app);

  const third = Math.round(PER_CONVERSATION / 3);
  await Promise.all([run(0, third), agentTraffic(nc, prefix, 0, third, 'two')]);
  const rest = Promise.all([run(third, PER_CONVERSATION), agentTraffic(nc, prefix, third, PER_CONVERSATION, 'two')]);
  await cluster.kill('n1');
  await rest;
  const figures = await verify(nc, prefix, receiptsSeen, app, deliverUntilAcked, { receiptsFromOutbox: true });
  await eventually(
    async () => (await readyz(gwA)).status === 200 && (await readyz(gwB)).status === 200,
    'both replicas ready on n2 and n3',
    30_000,
  );
  expect(readFileSync(gwA.log, 'utf8')).toContain('NATS connection lost; reconnecting');
  process.stdout.write(`cluster: 2 gateway replicas (on n1 and n2), n1 lost mid-traffic: ${JSON.stringify(figures)}\n`);
}, 150_000);

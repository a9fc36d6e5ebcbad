import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AgentClient, type InboundEnvelope } from '../../../core/agent';
import { subjects } from '../../../core/contract/subjects';
import { outboxKey } from '../../../core/delivery/outbox';
import { LOOPBACK_PATH, eventually, loopback, loopbackConfig, startGateway, type Started } from '../../support';
import { startNats, type TestNats } from '../../support/nats-server';

const CONF = resolve(__dirname, '../../../config/examples/nats-least-privilege.conf');
const s = subjects('chat');
let nats: TestNats;
let gw: Started;
let admin: NatsConnection;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  // The file as operators use it; only the passwords it reads from the environment are filled in here.
  const conf = join(mkdtempSync(join(tmpdir(), 'cg-lp-')), 'nats.conf');
  writeFileSync(conf, readFileSync(CONF, 'utf8').replace('$GATEWAY_PASS', '"gw-secret-1"').replace('$AGENT_PASS', '"agent-secret-1"'));
  nats = await startNats({ own: true, args: ['-c', conf] });
  const yaml = loopbackConfig(nats.url, 'chat', `  - use: ${LOOPBACK_PATH}\n    account: lp\n`).replace(
    '  autoStart: false\n',
    '  autoStart: false\n  user: gateway\n  pass: ${GATEWAY_PASS}\n  inboxPrefix: _GATEWAY_INBOX\n',
  );
  gw = await startGateway(yaml, { GATEWAY_PASS: 'gw-secret-1' });
  admin = await connect({ servers: nats.url, user: 'gateway', pass: 'gw-secret-1', inboxPrefix: '_GATEWAY_INBOX' });
}, 60_000);
afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await admin?.close();
  await gw?.gateway.stop();
  await nats?.close();
});

async function agentConnection(): Promise<NatsConnection> {
  const nc = await connect({ servers: nats.url, user: 'agent', pass: 'agent-secret-1' });
  cleanups.push(() => nc.close());
  return nc;
}

const dm = (id: string, text: string) => ({
  messageId: id,
  conversation: { id: 'dm_u1', type: 'direct' as const },
  sender: { id: 'u1', name: 'Tom' },
  parts: [{ type: 'text' as const, text }],
});

test('least privilege - with config/examples/nats-least-privilege.conf the gateway runs and an agent receives, replies and gets its receipt', async () => {
  expect(gw.gateway.readiness().ready).toBe(true);
  const agent = await AgentClient.connect({ servers: nats.url, user: 'agent', pass: 'agent-secret-1', prefix: 'chat' });
  cleanups.push(() => agent.close());
  const got: InboundEnvelope[] = [];
  const receipts: unknown[] = [];
  await agent.onMessage(async (m) => {
    got.push(m);
    receipts.push(await agent.reply(m, { text: 'pong', id: 'lp-reply-1' }));
  });
  await loopback.get('lp').receive(dm('lp-m1', 'ping'));
  await eventually(() => receipts.length === 1, 'the receipt of the reply');
  expect(got[0]).toMatchObject({ id: 'loopback:lp:lp-m1', message: { text: 'ping' } });
  expect(receipts[0]).toMatchObject({ id: 'lp-reply-1', ok: true });
  expect(loopback.get('lp').sent.map((x) => x.envelope.text)).toEqual(['pong']);
});

test('least privilege - an agent cannot publish on chat.ingest.> (nothing is stored) nor read the outbox or the outbound queue', async () => {
  const nc = await agentConnection();
  const jsm = await jetstreamManager(admin);
  const before = (await jsm.streams.info(s.inStream)).state.messages;
  const errors: string[] = [];
  void (async () => {
    for await (const st of nc.status()) if (st.type === 'error') errors.push(String((st as { error?: Error }).error?.message ?? st));
  })();

  // A forged inbound message: the server refuses the publish, the stream stores nothing.
  const forged = jetstream(nc).publish(s.ingest('loopback', 'lp'), JSON.stringify({ id: 'loopback:lp:forged' }), { timeout: 2000 });
  await expect(forged).rejects.toThrow(/permissions violation|timeout|no responders|jetstream is not enabled/i);
  await eventually(
    () => errors.some((e) => /permissions violation for publish to "chat\.ingest\.loopback\.lp"/i.test(e)),
    'the violation reported',
  );
  expect((await jsm.streams.info(s.inStream)).state.messages).toBe(before);

  // The outbox bucket (what was delivered, with platform message ids) is out of reach: the gateway's user
  // reads the reply of the first test there, the agent's cannot.
  const key = outboxKey('loopback', 'lp', 'lp-reply-1');
  expect((await (await new Kvm(admin).open(s.outboxBucket)).get(key))?.operation).toBe('PUT');
  await expect((await new Kvm(nc).open(s.outboxBucket)).get(key)).rejects.toThrow();
  await eventually(
    () => errors.some((e) => /permissions violation for publish to "\$JS\.API\.(DIRECT|STREAM\.MSG)\.GET\.KV_chat_outbox/i.test(e)),
    'the outbox refused',
  );
  // So are the outbound queue and other agents' envelopes on their way to the gateway.
  nc.subscribe(`${s.prefix}.out.>`);
  await eventually(() => errors.some((e) => /permissions violation for subscription to "chat\.out\.>"/i.test(e)), 'chat.out.> refused');
  nc.subscribe('_GATEWAY_INBOX.>');
  await eventually(
    () => errors.some((e) => /permissions violation for subscription to "_GATEWAY_INBOX\.>"/i.test(e)),
    "the gateway's replies refused",
  );
  await expect(nc.request(`$JS.API.CONSUMER.INFO.${s.outStream}.out_loopback_lp`, '', { timeout: 2000 })).rejects.toThrow();
});

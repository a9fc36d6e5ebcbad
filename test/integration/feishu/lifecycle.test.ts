import type { NatsConnection } from '@nats-io/transport-node';
import type { InboundEnvelope, Receipt } from '../../../core/contract/schemas';
import { loadConfig } from '../../../core/config/load';
import { ConfigError } from '../../../core/config/issues';
import type { FeishuEmulator } from '../../emulators/feishu';
import { Collector, client, eventually, loopbackConfig, startGateway, writeConfig, type Started } from '../../support';
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

function issuesOf(yaml: string) {
  try {
    loadConfig(writeConfig(yaml), { env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
}

test('feishu lifecycle - an app id the SDK would silently refuse is a config error with a hint', () => {
  const issues = issuesOf(`plugins:\n  - use: feishu\n    appId: cli_a1b2c3d4e5f6g7h8\n    appSecret: s\n`);
  expect(issues).toHaveLength(1);
  expect(issues[0]).toMatchObject({ line: 3, col: 12, path: 'plugins[0].appId' });
  expect(issues[0]!.message).toContain('not a Feishu app id');
  expect(issues[0]!.hint).toContain('cli_ followed by 16 hex characters');
});

test('feishu lifecycle - appSecret is required and typos in Feishu keys are caught', () => {
  const issues = issuesOf(`plugins:\n  - use: feishu\n    appId: cli_0123456789abcdef\n    encrypKey: x\n`);
  expect(issues.map((i) => i.message)).toEqual(expect.arrayContaining(['missing required key "appSecret"', 'unknown key "encrypKey"']));
  expect(issues.find((i) => i.message.startsWith('unknown'))).toMatchObject({ line: 4, hint: 'did you mean "encryptKey"?' });
});

test('feishu lifecycle - a wrong secret fails the instance with the reason; the other app keeps serving', async () => {
  const good = newApp(emu);
  const bad = { ...newApp(emu), appSecret: 'not-the-secret' };
  const prefix = uniquePrefix();
  const statuses = new Collector<{ account: string; state: string; detail?: string }>(nc, `${prefix}.status.>`);
  const inbox = new Collector<InboundEnvelope>(nc, `${prefix}.in.>`);
  await nc.flush();
  const yaml = loopbackConfig(
    nats.url,
    prefix,
    `  - use: feishu
    account: sales
    appId: ${good.appId}
    appSecret: ${good.appSecret}
    domain: ${emu.url}
    allowFrom: ["*"]
  - use: feishu
    account: ops
    appId: ${bad.appId}
    appSecret: ${bad.appSecret}
    domain: ${emu.url}
`,
  );
  run = await startGateway(yaml);
  const failed = statuses.items.find((s) => s.account === 'ops' && s.state === 'failed');
  expect(failed?.detail).toMatch(/10014.*check appId and appSecret/);
  await emu.waitForConnections(good.appId, 1);
  await emu.pushEvent(
    good.appId,
    emu.message({
      appId: good.appId,
      chatId: 'oc_1',
      chatType: 'p2p',
      senderOpenId: 'ou_1',
      messageType: 'text',
      content: { text: 'still here' },
    }),
  );
  const [env] = await inbox.waitFor(1);
  expect(env).toMatchObject({ account: 'sales', message: { text: 'still here' } });
  expect(run.logs.raw.join('\n')).not.toContain(good.appSecret);
  statuses.close();
  inbox.close();
});

test('feishu lifecycle - two accounts in one gateway each send with their own app', async () => {
  const a = newApp(emu);
  const b = newApp(emu);
  const prefix = uniquePrefix();
  const receipts = new Collector<Receipt>(nc, `${prefix}.receipt.>`);
  await nc.flush();
  const entry = (name: string, app: { appId: string; appSecret: string }) =>
    `  - use: feishu\n    account: ${name}\n    appId: ${app.appId}\n    appSecret: ${app.appSecret}\n    domain: ${emu.url}\n`;
  run = await startGateway(loopbackConfig(nats.url, prefix, entry('a', a) + entry('b', b)));
  nc.publish(`${prefix}.out.feishu.a`, JSON.stringify({ id: 'to-a', conversation: { id: 'oc_x' }, text: 'from a' }));
  nc.publish(`${prefix}.out.feishu.b`, JSON.stringify({ id: 'to-b', conversation: { id: 'oc_x' }, text: 'from b' }));
  await receipts.waitFor(2);
  expect(emu.sent.find((s) => s.uuid === 'to-a')?.appId).toBe(a.appId);
  expect(emu.sent.find((s) => s.uuid === 'to-b')?.appId).toBe(b.appId);
  receipts.close();
});

test('feishu lifecycle - stop closes the long connection and reports stopped', async () => {
  const app = newApp(emu);
  const prefix = uniquePrefix();
  const statuses = new Collector<{ state: string }>(nc, `${prefix}.status.>`);
  await nc.flush();
  run = await startGateway(feishuConfig(nats.url, prefix, emu.url, app));
  await emu.waitForConnections(app.appId, 1);
  await run.gateway.stop();
  run = undefined;
  await eventually(() => emu.connections(app.appId) === 0, 'connection closed');
  await eventually(() => statuses.items.at(-1)?.state === 'stopped', 'stopped status');
  statuses.close();
});

test('feishu lifecycle - the long-connection limit fails the instance with the reason', async () => {
  const app = newApp(emu);
  emu.setConnectionLimit(app.appId, 0, 'endpoint');
  const prefix = uniquePrefix();
  run = await startGateway(feishuConfig(nats.url, prefix, emu.url, app));
  const ready = (await (await fetch(`${run.gateway.http.url}/readyz`)).json()) as {
    ready: boolean;
    instances: Record<string, { error?: string }>;
  };
  expect(ready.ready).toBe(false);
  expect(ready.instances['feishu/default']!.error).toMatch(/1000040350.*long connections per app/);
});

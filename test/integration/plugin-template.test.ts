import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import type { InboundEnvelope, Receipt } from '../../core/contract/schemas';
import { LineChatServer } from '../../examples/plugin-template/server';
import { LineChatUser } from '../../examples/plugin-template/test/user';
import { Collector, client, eventually, loopbackConfig, startGateway, type Started } from '../support';
import { GatewayProcess } from '../support/gateway-process';
import { freePort, startNats, uniquePrefix, type TestNats } from '../support/nats-server';

const ROOT = resolve(__dirname, '../..');
const TEMPLATE = join(ROOT, 'examples/plugin-template');
const PACKAGE = 'chat-gateway-plugin-linechat';

let nats: TestNats;
let nc: NatsConnection;
let server: LineChatServer;
let run: Started | undefined;
let proc: GatewayProcess | undefined;
let alice: LineChatUser | undefined;
let work: string | undefined;

beforeAll(async () => {
  nats = await startNats();
  nc = await client(nats.url);
  server = new LineChatServer();
  await server.start();
});
afterEach(async () => {
  await alice?.close();
  await run?.gateway.stop();
  await proc?.kill('SIGTERM');
  if (work) rmSync(work, { recursive: true, force: true });
  run = proc = alice = work = undefined;
});
afterAll(async () => {
  await server.stop();
  await nc.close();
  await nats.close();
});

/** A user says hello to the bot; the envelope arrives; an agent answers; the user reads the answer. */
async function relay(prefix: string, text: string): Promise<void> {
  const inbox = new Collector<InboundEnvelope>(nc, `${prefix}.in.linechat.default`);
  const receipts = new Collector<Receipt>(nc, `${prefix}.receipt.linechat.default`);
  await nc.flush();
  alice = await LineChatUser.connect(server.port, 'alice');
  const id = await alice.say('bot', text);
  const [env] = await inbox.waitFor(1);
  expect(env).toMatchObject({
    id: `linechat:default:${id}`,
    conversation: { id: 'alice', type: 'direct' },
    sender: { id: 'alice' },
    message: { text },
  });
  nc.publish(
    `${prefix}.out.linechat.default`,
    JSON.stringify({ id: `re-${id}`, replyTo: env!.message.id, text: `**echo**: ${text}`, format: 'markdown' }),
  );
  const [receipt] = await receipts.waitFor(1);
  expect(receipt).toMatchObject({ id: `re-${id}`, ok: true });
  await eventually(() => alice!.inbox.length > 0, 'the answer at alice');
  expect(alice.inbox[0]).toMatchObject({ id: receipt!.messageIds![0], conversation: 'bot', sender: 'bot', text: `echo: ${text}` });
  inbox.close();
  receipts.close();
}

test("plugin template - the driver shown in docs/plugins.md is the template's conformance test", () => {
  const doc = readFileSync(join(ROOT, 'docs/plugins.md'), 'utf8');
  const shown = /```ts\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf('### An example driver')))![1];
  expect(shown).toBe(readFileSync(join(TEMPLATE, 'test/conformance.test.ts'), 'utf8'));
});

test('plugin template - loads by path from a YAML entry and relays a message both ways', async () => {
  const prefix = uniquePrefix();
  run = await startGateway(
    loopbackConfig(nats.url, prefix, `  - use: ${join(TEMPLATE, 'index.ts')}\n    port: ${server.port}\n    allowFrom: ["*"]\n`),
  );
  await relay(prefix, 'hello by path');
});

test('plugin template - a wrong password fails the instance with the reason, and the password stays out of the logs', async () => {
  const guarded = new LineChatServer({ password: 'right-s3cret' });
  await guarded.start();
  try {
    const prefix = uniquePrefix();
    run = await startGateway(
      loopbackConfig(nats.url, prefix, `  - use: ${join(TEMPLATE, 'index.ts')}\n    port: ${guarded.port}\n    password: wrong-s3cret\n`),
    );
    expect(run.gateway.readiness().detail.instances).toMatchObject({
      'linechat/default': { state: 'failed', error: "the linechat server refused bot's password (option password)" },
    });
    expect(run.logs.raw.join('\n')).not.toContain('wrong-s3cret');
  } finally {
    await run?.gateway.stop();
    await guarded.stop();
  }
});

test('plugin template - a dropped connection is reported, reopened, and messages flow again', async () => {
  const prefix = uniquePrefix();
  const statuses = new Collector<{ state: string }>(nc, `${prefix}.status.linechat.default`);
  await nc.flush();
  run = await startGateway(
    loopbackConfig(nats.url, prefix, `  - use: ${join(TEMPLATE, 'index.ts')}\n    port: ${server.port}\n    allowFrom: ["*"]\n`),
  );
  server.disconnect('bot');
  await eventually(() => statuses.items.filter((s) => s.state === 'connected').length === 2, 'connected again');
  expect(statuses.items.map((s) => s.state)).toEqual(['starting', 'connected', 'reconnecting', 'connected']);
  statuses.close();
  await relay(prefix, 'hello after a reconnect');
});

test('plugin template - built with its own tsconfig, installed as a package, loads by name in the gateway CLI', async () => {
  if (!existsSync(join(ROOT, 'dist/core/plugin/index.d.ts')))
    throw new Error('dist/ is missing: run `npm run build` (npm test does it) first');
  work = mkdtempSync(join(tmpdir(), 'cg-template-'));
  // The author's checkout: the template with `npm install` done (chat-gateway from file:../.., types, tsc).
  const src = join(work, 'linechat');
  cpSync(TEMPLATE, src, { recursive: true, filter: (p) => !p.includes('node_modules') && !p.includes('/dist') });
  mkdirSync(join(src, 'node_modules'));
  symlinkSync(ROOT, join(src, 'node_modules/chat-gateway'));
  symlinkSync(join(ROOT, 'node_modules/@types'), join(src, 'node_modules/@types'));
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(src, 'tsconfig.json')], { stdio: 'pipe' });

  // The operator's deployment: chat-gateway and the plugin installed side by side, the config next to them.
  const app = join(work, 'app');
  const pkg = join(app, 'node_modules', PACKAGE);
  mkdirSync(pkg, { recursive: true });
  symlinkSync(ROOT, join(app, 'node_modules/chat-gateway'));
  const manifest = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8')) as { name: string; files: string[] };
  expect(manifest.name).toBe(PACKAGE);
  for (const f of ['package.json', ...manifest.files]) cpSync(join(src, f), join(pkg, f), { recursive: true });
  const prefix = uniquePrefix();
  const port = await freePort();
  const config = join(app, 'gateway.yaml');
  writeFileSync(
    config,
    `nats:\n  servers: ${nats.url}\n  prefix: ${prefix}\n  autoStart: false\nhttp:\n  listen: 127.0.0.1:${port}\nplugins:\n  - use: ${PACKAGE}\n    port: ${server.port}\n    allowFrom: ["*"]\n`,
  );
  proc = new GatewayProcess(config, `http://127.0.0.1:${port}`, join(work, 'gateway.log'));
  await proc.start();
  await relay(prefix, 'hello by package name');
}, 60_000);

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { InboundEnvelope, Receipt } from '../../core/contract/schemas';
import { LineChatServer } from '../../examples/plugin-template/server';
import { LineChatUser } from '../../examples/plugin-template/test/user';
import { eventually, loopbackConfig } from '../support';
import { useGatewayTest } from '../support/fixture';
import { GatewayProcess } from '../support/gateway-process';
import { freePort, uniquePrefix } from '../support/nats-server';

const ROOT = resolve(__dirname, '../..');
const TEMPLATE = join(ROOT, 'examples/plugin-template');
const PACKAGE = 'chat-gateway-plugin-linechat';

const t = useGatewayTest();
let server: LineChatServer;

beforeAll(async () => {
  server = new LineChatServer();
  await server.start();
  t.defer(() => server.stop());
});

/** A gateway with the template's plugin (by path) for `server`, with these extra entry lines. */
const bootTemplate = (port: number, extra: string) =>
  t.boot(loopbackConfig(t.nats.url, uniquePrefix(), `  - use: ${join(TEMPLATE, 'index.ts')}\n    port: ${port}\n${extra}`));

/** A user says hello to the bot; the envelope arrives; an agent answers; the user reads the answer. */
async function relay(prefix: string, text: string): Promise<void> {
  const inbox = await t.collect<InboundEnvelope>(`${prefix}.in.linechat.default`);
  const receipts = await t.collect<Receipt>(`${prefix}.receipt.linechat.default`);
  const alice = await LineChatUser.connect(server.port, 'alice');
  t.defer(() => alice.close());
  const id = await alice.say('bot', text);
  const [env] = await inbox.waitFor(1);
  expect(env).toMatchObject({
    id: `linechat:default:${id}`,
    conversation: { id: 'alice', type: 'direct' },
    sender: { id: 'alice' },
    message: { text },
  });
  t.nc.publish(
    `${prefix}.out.linechat.default`,
    JSON.stringify({ id: `re-${id}`, replyTo: env!.message.id, text: `**echo**: ${text}`, format: 'markdown' }),
  );
  const [receipt] = await receipts.waitFor(1);
  expect(receipt).toMatchObject({ id: `re-${id}`, ok: true });
  await eventually(() => alice.inbox.length > 0, 'the answer at alice');
  expect(alice.inbox[0]).toMatchObject({ id: receipt!.messageIds![0], conversation: 'bot', sender: 'bot', text: `echo: ${text}` });
}

test("plugin template - the driver shown in docs/plugins.md is the template's conformance test", () => {
  const doc = readFileSync(join(ROOT, 'docs/plugins.md'), 'utf8');
  const shown = /```ts\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf('### An example driver')))![1];
  expect(shown).toBe(readFileSync(join(TEMPLATE, 'test/conformance.test.ts'), 'utf8'));
});

test('plugin template - loads by path from a YAML entry and relays a message both ways', async () => {
  const gw = await bootTemplate(server.port, '    allowFrom: ["*"]\n');
  await relay(gw.prefix, 'hello by path');
});

test('plugin template - a wrong password fails the instance with the reason, and the password stays out of the logs', async () => {
  const guarded = new LineChatServer({ password: 'right-s3cret' });
  await guarded.start();
  t.defer(() => guarded.stop());
  const gw = await bootTemplate(guarded.port, '    password: wrong-s3cret\n');
  expect(gw.gateway.readiness().detail.instances).toMatchObject({
    'linechat/default': { state: 'failed', error: "the linechat server refused bot's password (option password)" },
  });
  expect(gw.logs.raw.join('\n')).not.toContain('wrong-s3cret');
});

test('plugin template - a dropped connection is reported, reopened, and messages flow again', async () => {
  const gw = await bootTemplate(server.port, '    allowFrom: ["*"]\n');
  const statuses = gw.statuses;
  server.disconnect('bot');
  await eventually(() => statuses.items.filter((s) => s.state === 'connected').length === 2, 'connected again');
  expect(statuses.items.map((s) => s.state)).toEqual(['starting', 'connected', 'reconnecting', 'connected']);
  await relay(gw.prefix, 'hello after a reconnect');
});

test('plugin template - built with its own tsconfig, installed as a package, loads by name in the gateway CLI', async () => {
  if (!existsSync(join(ROOT, 'dist/core/plugin/index.d.ts')))
    throw new Error('dist/ is missing: run `npm run build` (npm test does it) first');
  const work = mkdtempSync(join(tmpdir(), 'cg-template-'));
  t.defer(() => rmSync(work, { recursive: true, force: true }));
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
    `nats:\n  servers: ${t.nats.url}\n  prefix: ${prefix}\n  autoStart: false\nhttp:\n  listen: 127.0.0.1:${port}\nplugins:\n  - use: ${PACKAGE}\n    port: ${server.port}\n    allowFrom: ["*"]\n`,
  );
  const proc = new GatewayProcess(config, `http://127.0.0.1:${port}`, join(work, 'gateway.log'));
  t.defer(() => proc.kill('SIGTERM'));
  await proc.start();
  await relay(prefix, 'hello by package name');
}, 60_000);

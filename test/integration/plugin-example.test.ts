import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { loopbackConfig } from '../support';
import { useGatewayTest, type Booted } from '../support/fixture';
import { uniquePrefix } from '../support/nats-server';

/** The example plugin of docs/plugins.md, written to a temp file with its import pointed at this checkout. */
function examplePlugin(): string {
  const doc = readFileSync(resolve(__dirname, '../../docs/plugins.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## A complete example'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  const file = join(mkdtempSync(join(tmpdir(), 'cg-example-')), 'hook-plugin.ts');
  writeFileSync(file, code.replace(`'chat-gateway/plugin'`, JSON.stringify(resolve(__dirname, '../../core/plugin'))));
  return file;
}

interface Reply {
  authorization?: string;
  body: { key: string; to?: string; replyTo?: string; text: string };
}

const pluginFile = examplePlugin();

const t = useGatewayTest();
let gw: Booted;
let service: Server;
const replies: Reply[] = [];
const answers: number[] = [];

beforeAll(async () => {
  service = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const status = answers.shift() ?? 200;
      if (status === 200) replies.push({ authorization: req.headers.authorization, body: JSON.parse(body) });
      res
        .writeHead(status, { 'content-type': 'application/json', 'retry-after': '0' })
        .end(JSON.stringify({ messageId: `svc_${replies.length}` }));
    });
  });
  await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
  t.defer(() => new Promise((r) => service.close(r)));
  const callback = `http://127.0.0.1:${(service.address() as AddressInfo).port}/replies`;
  const entry = `  - use: ${pluginFile}\n    account: support\n    callbackUrl: ${callback}\n    token: \${HOOK_TOKEN}\n`;
  gw = await t.boot(loopbackConfig(t.nats.url, uniquePrefix(), entry), { env: { HOOK_TOKEN: 'hook-s3cret' } });
});

test('plugins doc - the example plugin turns a POSTed message into an inbound envelope', async () => {
  const inbox = gw.inbox;
  const res = await fetch(`${gw.gateway.http.url}/hook/support/messages`, {
    method: 'POST',
    body: JSON.stringify({ id: 'm1', from: 'u1', text: 'hi' }),
  });
  expect(await res.json()).toEqual({ outcome: 'stored', id: 'hook:support:m1' });
  const [env] = await inbox.waitFor(1);
  expect(env).toMatchObject({
    id: 'hook:support:m1',
    conversation: { id: 'u1', type: 'direct' },
    message: { text: 'hi' },
    session: 'hook:support:u1',
  });
});

test('plugins doc - the example plugin delivers a markdown reply as plain text, retrying a 503', async () => {
  const receipts = gw.receipts;
  answers.push(503);
  gw.publish('hook.support', { id: 'r1', conversation: { id: 'u1' }, text: '**42** new customers', format: 'markdown' });
  const [receipt] = await receipts.waitFor(1);
  expect(receipt).toMatchObject({ id: 'r1', ok: true, attempts: 2, messageIds: ['svc_1'] });
  expect(replies).toEqual([{ authorization: 'Bearer hook-s3cret', body: { key: 'r1', to: 'u1', text: '42 new customers' } }]);
  gw.publish('hook.support', { id: 'r2', replyTo: 'm1', native: { card: 1 } });
  const [, refused] = await receipts.waitFor(2);
  expect(refused).toMatchObject({
    id: 'r2',
    ok: false,
    error: { code: 'E_UNSUPPORTED', message: 'the hook channel has no native messages', retryable: false },
  });
});

test('plugins doc - the example plugin type-checks against the plugin API', () => {
  const config = ts.readConfigFile(resolve(__dirname, '../../tsconfig.json'), ts.sys.readFile).config as { compilerOptions: object };
  const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, resolve(__dirname, '../..'));
  const program = ts.createProgram([pluginFile], { ...options, noEmit: true, types: ['node'], rootDir: undefined, outDir: undefined });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  expect(problems).toEqual([]);
});

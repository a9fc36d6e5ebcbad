import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { eventually, writeConfig } from '../support';
import { freePort, startNats, uniquePrefix, type TestNats } from '../support/nats-server';

/**
 * `npm start` (dist/examples/quickstart.js, which `npm test` builds) as a newcomer sees it: log lines,
 * then one banner that lists every instance with its state, names a bot that failed with its reason and
 * what to check, and says it once even while the retries go on.
 */
const QUICKSTART = join(__dirname, '../../dist/examples/quickstart.js');

let nats: TestNats;
/** A "Feishu" that drops every connection: each start attempt of the bot fails the same way. */
let feishu: Server;
let feishuUrl: string;
let attempts = 0;

beforeAll(async () => {
  if (!existsSync(QUICKSTART)) throw new Error('dist/ is missing: run `npm run build` (npm test does it) first');
  nats = await startNats();
  feishu = createServer((req) => {
    attempts++;
    req.socket.destroy();
  });
  await new Promise<void>((r) => feishu.listen(0, '127.0.0.1', r));
  feishuUrl = `http://127.0.0.1:${(feishu.address() as { port: number }).port}`;
}, 30_000);

afterAll(async () => {
  await new Promise((r) => feishu?.close(r));
  await nats?.close();
});

interface Run {
  child: ChildProcess;
  out: () => string;
  exit: Promise<number | null>;
}

async function quickstart(format: 'pretty' | 'json'): Promise<Run & { http: string }> {
  const port = await freePort();
  const file = writeConfig(`nats:
  servers: ${nats.url}
  prefix: ${uniquePrefix()}
  autoStart: false
http:
  listen: 127.0.0.1:${port}
log:
  format: ${format}
lifecycle:
  restartDelay: 100ms
plugins:
  - use: feishu
    appId: cli_0123456789abcdef
    appSecret: not-a-real-secret
    domain: ${feishuUrl}
  - use: webchat
  - use: webchat
    account: off-duty
    enabled: false
`);
  const child = spawn(process.execPath, [QUICKSTART], {
    env: { ...process.env, CHAT_GATEWAY_CONFIG: file },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, exit, http: `http://127.0.0.1:${port}` };
}

async function stop(run: Run): Promise<number | null> {
  run.child.kill('SIGINT');
  return run.exit;
}

test('quickstart - readable log lines, then a banner listing each instance, the failed bot with its reason and what to check', async () => {
  const run = await quickstart('pretty');
  await eventually(() => run.out().includes('Ctrl-C stops everything.'), 'the banner', 30_000);
  const seen = attempts;
  // The bot keeps failing in the background: wait for three more attempts, then look at what was printed.
  await eventually(() => attempts >= seen + 3, 'three more start attempts of the failing bot', 20_000);
  expect(await stop(run)).toBe(0);
  const out = run.out();
  const [logs, banner] = out.split('\n  chat-gateway is running');
  expect(banner).toBeDefined();

  const lines = logs!.split('\n').filter(Boolean);
  for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) |^ {15}hint: /);
  expect(lines).toContainEqual(
    expect.stringMatching(
      /^\d\d:\d\d:\d\d INFO {2}webchat\/default {2}web chat page ready {2}url=http:\/\/127\.0\.0\.1:\d+\/webchat\/default\/$/,
    ),
  );
  // "echo agent listening" is a log line the banner sums up: it comes before it.
  expect(lines).toContainEqual(expect.stringMatching(/INFO {2}echo agent listening on \w+\.in\.\*\.\*/));

  const failures = out.split('\n').filter((l) => l.includes('feishu/default') && l.includes('failed to start'));
  expect(failures).toEqual([
    expect.stringMatching(/^\d\d:\d\d:\d\d ERROR feishu\/default {2}instance failed to start: fetch bot info: socket hang up/),
  ]);
  expect(out.split('\n').filter((l) => l.includes('hint: check that this machine reaches the platform'))).toHaveLength(1);

  expect(`  chat-gateway is running${banner}`).toMatch(
    new RegExp(
      [
        String.raw`^  chat-gateway is running, with a bot that failed to start: ready \d+\.\d s after the build\n`,
        String.raw`  \(the time to start NATS if needed, the gateway and the echo agent\)\.\n\n`,
        String.raw` {4}feishu/default {4}failed {4}fetch bot info: socket hang up\n`,
        String.raw` {32}check that this machine reaches the platform \(DNS, an HTTPS proxy if\n`,
        String.raw`[^]*retrying quietly in the\n {32}background\n`,
        String.raw` {4}webchat/default {3}running {3}http://127\.0\.0\.1:\d+/webchat/default/\n`,
        String.raw` {4}webchat/off-duty {2}off {7}\(enabled: false\)\n\n`,
        String.raw`  The echo agent answers every message: open http://127\.0\.0\.1:\d+/webchat/default/ and say something\.\n`,
      ].join(''),
    ),
  );
}, 60_000);

test('quickstart - with log.format json every log line is JSON, and the banner still comes after them', async () => {
  const run = await quickstart('json');
  await eventually(() => run.out().includes('Ctrl-C stops everything.'), 'the banner', 30_000);
  expect(await stop(run)).toBe(0);
  const [logs] = run.out().split('\n  chat-gateway is running');
  const records = logs!
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { msg: string; level: number; hint?: string });
  expect(records.map((r) => r.msg)).toContainEqual(expect.stringMatching(/^echo agent listening on \w+\.in\.\*\.\*$/));
  expect(records.find((r) => r.level === 50)).toMatchObject({
    msg: expect.stringMatching(/^instance failed to start: fetch bot info: socket hang up/),
    hint: expect.stringMatching(/^check that this machine reaches the platform \(DNS, an HTTPS proxy/),
  });
}, 60_000);

test('quickstart - a second start while the port is taken names the port and how to pick another, and exits 1', async () => {
  const first = await quickstart('pretty');
  await eventually(() => first.out().includes('Ctrl-C stops everything.'), 'the first banner', 30_000);
  const port = /127\.0\.0\.1:(\d+)\/webchat/.exec(first.out())![1];
  const file = writeConfig(`nats:\n  servers: ${nats.url}\n  autoStart: false\nhttp:\n  listen: 127.0.0.1:${port}\nplugins: []\n`);
  const second = spawn(process.execPath, [QUICKSTART], {
    env: { ...process.env, CHAT_GATEWAY_CONFIG: file },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  second.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => second.once('exit', (c) => r(c)));
  expect(await stop(first)).toBe(0);
  expect(code).toBe(1);
  expect(err).toBe(
    `chat-gateway: [E_HTTP] cannot listen on 127.0.0.1:${port}: the port is already in use (another chat-gateway, or another program)\n` +
      `  hint: stop the other one, or pick another port with http.listen in the config (the default config reads it from HTTP_LISTEN: HTTP_LISTEN=127.0.0.1:${Number(port) + 1} npm start)\n`,
  );
}, 60_000);

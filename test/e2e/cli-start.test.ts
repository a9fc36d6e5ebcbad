import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { main } from '../../core/cli/main';
import { eventually, writeConfig } from '../support';
import { freePort, startNats } from '../support/nats-server';

/**
 * `chat-gateway start` as an operator runs it: the default-style config pointing at a local NATS URL
 * where nothing listens, so the gateway starts nats-server itself, serves HTTP, and stops cleanly.
 */
test('cli - start brings up a local nats-server when none runs, serves health, and exits 0 on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cg-cli-'));
  const natsPort = await freePort();
  const httpPort = await freePort();
  const file = join(dir, 'gateway.yaml');
  writeFileSync(
    file,
    `nats:\n  servers: nats://127.0.0.1:${natsPort}\nhttp:\n  listen: 127.0.0.1:${httpPort}\nlog:\n  level: warn\nplugins: []\n`,
  );
  const cwd = process.cwd();
  process.chdir(dir);
  const err: string[] = [];
  try {
    const exit = main(['start', '-c', file], { out: () => undefined, err: (s) => err.push(s) });
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => undefined))?.status === 200,
      'gateway ready',
      20_000,
    );
    const ready = (await (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).json()) as { nats: string };
    expect(ready.nats).toBe('connected');
    process.emit('SIGTERM', 'SIGTERM');
    expect(await exit).toBe(0);
    expect(err).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${httpPort}/healthz`)).rejects.toThrow();
    // The nats-server it started is gone: its port is free again.
    expect(await canListen(natsPort)).toBe(true);
  } finally {
    process.chdir(cwd);
  }
}, 40_000);

test('cli - start refuses a config with errors and prints them with file:line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cg-cli-'));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, `nats:\n  prefx: chat\nplugins: []\n`);
  const err: string[] = [];
  expect(await main(['start', '-c', file], { out: () => undefined, err: (s) => err.push(s) })).toBe(1);
  expect(err.join('')).toContain(`${file}:2:3: nats.prefx: unknown key "prefx"`);
  expect(err.join('')).toContain('did you mean "prefix"?');
});

test('cli - start says how to get NATS when nothing listens and auto-start is off', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cg-cli-'));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, `nats:\n  servers: nats://127.0.0.1:${await freePort()}\n  autoStart: false\nhttp:\n  enabled: false\nplugins: []\n`);
  const err: string[] = [];
  expect(await main(['start', '-c', file], { out: () => undefined, err: (s) => err.push(s) })).toBe(1);
  expect(err.join('')).toMatch(/^chat-gateway: \[E_NATS\] cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+/);
  expect(err.join('')).toContain('hint:');
}, 20_000);

test('cli - start on a port another program holds says so with the port and how to pick another, exit 1', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as { port: number }).port;
  const nats = await startNats();
  try {
    const file = writeConfig(
      `nats:\n  servers: ${nats.url}\n  autoStart: false\nhttp:\n  listen: 127.0.0.1:${port}\nlog:\n  level: warn\nplugins: []\n`,
    );
    const err: string[] = [];
    expect(await main(['start', '-c', file], { out: () => undefined, err: (s) => err.push(s) })).toBe(1);
    expect(err.join('')).toBe(
      `chat-gateway: [E_HTTP] cannot listen on 127.0.0.1:${port}: the port is already in use (another chat-gateway, or another program)\n` +
        `  hint: stop the other one, or pick another port with http.listen in the config (the default config reads it from HTTP_LISTEN: HTTP_LISTEN=127.0.0.1:${port + 1} npm start)\n`,
    );
  } finally {
    await new Promise((r) => taken.close(r));
    await nats.close();
  }
}, 20_000);

/** Whether a TCP server can listen on the port now, i.e. nothing else does. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer().once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNatsServer } from '../bus/connect';

/** A nats-server with JetStream for tests: its own port and store dir, or `NATS_URL` when set. */
export interface TestNats {
  url: string;
  port: number;
  storeDir: string;
  /** Stops the server (keeps the store dir) — for outage tests. No-op with an external `NATS_URL`. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store dir. */
  restart(): Promise<void>;
  /** Stops the server and removes its store dir. */
  close(): Promise<void>;
}

/** Where the nats-server binary is (the gateway's own search: `NATS_SERVER_BIN`, `PATH`, the usual install paths). */
export function natsServerBinary(): string {
  const found = findNatsServer();
  if (!found) throw new Error('nats-server not found: install it (apt-get install nats-server) or set NATS_URL');
  return found;
}

/** A TCP port nothing listens on right now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = tcpConnect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms`);
}

/**
 * Starts `nats-server -js` on a free port with a temp store dir (removed by `close()`), or returns
 * `NATS_URL` when set (unless `own`). Extra `args` go to the server.
 */
export async function startNats(opts: { args?: string[]; own?: boolean } = {}): Promise<TestNats> {
  const external = opts.own ? undefined : process.env.NATS_URL;
  if (external) {
    return {
      url: external,
      port: Number(new URL(external).port || 4222),
      storeDir: '',
      stop: async () => {},
      restart: async () => {},
      close: async () => {},
    };
  }
  const bin = natsServerBinary();
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'cg-nats-'));
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, ...(opts.args ?? [])], { stdio: 'ignore' });
    await waitForPort(port, child);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    stop,
    restart: launch,
    close: async () => {
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

/** A subject prefix no other test uses, so tests can share one server (`NATS_URL`) without seeing each other. */
export function uniquePrefix(): string {
  return `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

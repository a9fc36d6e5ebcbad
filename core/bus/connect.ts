import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join, resolve } from 'node:path';
import { connect, credsAuthenticator, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/load';
import { GatewayError } from '../errors';

/** A NATS connection, plus the local server the gateway started for it, if it had to. */
export interface NatsHandle {
  nc: NatsConnection;
  local?: ChildProcess;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0']);

export function connectionOptions(cfg: GatewayConfig['nats']): NodeConnectionOptions {
  const opts: NodeConnectionOptions = {
    servers: cfg.servers,
    name: cfg.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    waitOnFirstConnect: false,
    // Otherwise every request (each JetStream publish, KV get/put) builds two Error objects with stack
    // traces up front, in case it fails: ~14% of the inbound path's CPU. Our errors say what failed anyway.
    noAsyncTraces: true,
  };
  if (cfg.inboxPrefix !== undefined) opts.inboxPrefix = cfg.inboxPrefix;
  if (cfg.user !== undefined) opts.user = cfg.user;
  if (cfg.pass !== undefined) opts.pass = cfg.pass;
  if (cfg.token !== undefined) opts.token = cfg.token;
  if (cfg.creds) opts.authenticator = credsAuthenticator(readFileSync(cfg.creds));
  if (cfg.tls) {
    opts.tls = {
      ...(cfg.tls.ca ? { caFile: cfg.tls.ca } : {}),
      ...(cfg.tls.cert ? { certFile: cfg.tls.cert } : {}),
      ...(cfg.tls.key ? { keyFile: cfg.tls.key } : {}),
    };
  }
  return opts;
}

/**
 * Connects to NATS. When the only server is local, nothing listens there and `autoStart` is on,
 * starts `nats-server -js` with its store in `./.nats-data` and says so in the log.
 */
export async function connectNats(cfg: GatewayConfig['nats'], log: Logger): Promise<NatsHandle> {
  const local = cfg.autoStart ? await maybeStartLocal(cfg.servers, log) : undefined;
  try {
    const nc = await connect(connectionOptions(cfg));
    log.info({ server: nc.getServer() }, 'connected to NATS');
    return local ? { nc, local } : { nc };
  } catch (err) {
    local?.kill('SIGTERM');
    throw new GatewayError(
      'E_NATS',
      `cannot connect to NATS at ${cfg.servers.join(', ')}: ${(err as Error).message}`,
      'check nats.servers (or NATS_URL), credentials and TLS settings; the server must run with JetStream (-js)',
    );
  }
}

function parseLocal(servers: string[]): { host: string; port: number } | undefined {
  if (servers.length !== 1) return undefined;
  const raw = servers[0]!.includes('://') ? servers[0]! : `nats://${servers[0]}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (!LOCAL_HOSTS.has(url.hostname)) return undefined;
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 4222) };
}

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = tcpConnect(port, host);
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

/** Where the nats-server binary is: `NATS_SERVER_BIN`, then each `PATH` directory, then the usual install paths. */
export function findNatsServer(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/local/bin', '/usr/bin']);
  return [process.env.NATS_SERVER_BIN, ...dirs.map((d) => join(d, 'nats-server'))].find((p): p is string => !!p && existsSync(p));
}

async function maybeStartLocal(servers: string[], log: Logger): Promise<ChildProcess | undefined> {
  const local = parseLocal(servers);
  if (!local || (await listening(local.host, local.port))) return undefined;
  const bin = findNatsServer();
  if (!bin) {
    throw new GatewayError(
      'E_NATS',
      `nothing listens on ${local.host}:${local.port} and nats-server is not installed`,
      'install it (Debian/Ubuntu: apt-get install nats-server; macOS: brew install nats-server; or docker run -p 4222:4222 nats -js), or point NATS_URL at a running server',
    );
  }
  const storeDir = resolve('.nats-data');
  mkdirSync(storeDir, { recursive: true });
  const child = spawn(bin, ['-js', '-a', local.host, '-p', String(local.port), '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const deadline = Date.now() + 10_000;
  while (!(await listening(local.host, local.port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new GatewayError(
        'E_NATS',
        `started ${bin} but it did not listen on ${local.host}:${local.port}: ${stderr.trim() || `exit code ${child.exitCode}`}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  log.info(
    { bin, pid: child.pid, storeDir, server: `${local.host}:${local.port}` },
    'no NATS server was running: started a local nats-server with JetStream; it stops with the gateway',
  );
  return child;
}

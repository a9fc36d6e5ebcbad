import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import { loadConfig, type GatewayConfig } from '../../core/config/load';
import { createLogger } from '../../core/log';
import { Gateway, type GatewayOptions } from '../../core/runtime/gateway';
import { configSecrets } from '../../core/runtime/secrets';

export const LOOPBACK_PATH = resolve(__dirname, 'loopback-plugin.ts');

/** Log lines captured as parsed JSON objects, for assertions on what an operator would read. */
export class LogCapture extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly raw: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      this.raw.push(line);
      this.lines.push(JSON.parse(line));
    }
    done();
  }
  find(pred: (l: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
    return this.lines.find(pred);
  }
  messages(): string[] {
    return this.lines.map((l) => String(l.msg));
  }
}

/** Writes a YAML config into a fresh temp dir and returns its path. */
export function writeConfig(yaml: string, name = 'gateway.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'cg-config-'));
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

export interface Started {
  gateway: Gateway;
  logs: LogCapture;
  file: string;
}

export interface StartOptions extends Omit<GatewayOptions, 'logger' | 'read'> {
  /** Added to the process environment, for the config's `${VAR}`s, at start and at every reload. */
  env?: NodeJS.ProcessEnv;
  /** Runs with the loaded config before the gateway starts (to subscribe to its subjects first). */
  beforeStart?: (config: GatewayConfig) => Promise<void>;
  /** The level lines are captured at: `debug` unless a test needs the config's own (`'config'`). */
  logLevel?: 'debug' | 'config';
}

/**
 * Starts a gateway from a config file the way `chat-gateway start` does (reloads read the same file
 * with the same environment), with its log lines captured (at level debug unless `logLevel` says).
 */
export async function startFromFile(file: string, opts: StartOptions = {}): Promise<Started> {
  const { env: extra, beforeStart, logLevel = 'debug', ...options } = opts;
  const env = { ...process.env, ...extra };
  const read = (f: string, text?: string) => loadConfig(f, { env, ...(text === undefined ? {} : { text }) });
  const config = read(file);
  await beforeStart?.(config);
  const logs = new LogCapture();
  const level = logLevel === 'config' ? config.log.level : 'debug';
  const logger = createLogger(level, configSecrets(config), logs as unknown as pino.DestinationStream);
  const gateway = await Gateway.start(config, { ...options, logger, read });
  return { gateway, logs, file };
}

/** Starts a gateway from YAML text (written to a temp file) with logs captured (level debug). */
export async function startGateway(yaml: string, env: NodeJS.ProcessEnv = {}): Promise<Started> {
  return startFromFile(writeConfig(yaml), { env });
}

/** One `plugins` entry: `- use: <use>` and `keys` (each line 4 spaces in), then the `extra` lines as they are. */
export function pluginEntry(use: string, keys: Record<string, string>, extra = ''): string {
  return `  - use: ${use}\n${Object.entries(keys)
    .map(([k, v]) => `    ${k}: ${v}\n`)
    .join('')}${extra}`;
}

/** `yaml` with these `delivery` settings, replacing the ones it has (`{ holdFor: '300ms' }`). */
export function withDelivery(yaml: string, settings: Record<string, string | number>): string {
  return Object.entries(settings).reduce((text, [key, value]) => {
    const line = `  ${key}: ${value}\n`;
    const existing = new RegExp(`^(delivery:\\n(?:  .*\\n)*?)  ${key}: .*\\n`, 'm');
    return existing.test(text) ? text.replace(existing, `$1${line}`) : text.replace(/^delivery:\n/m, `delivery:\n${line}`);
  }, yaml);
}

/** Config text for a gateway using the loopback plugin, on a test NATS and a free HTTP port. */
export function loopbackConfig(natsUrl: string, prefix: string, entries: string, extra = ''): string {
  return `nats:
  servers: ${natsUrl}
  prefix: ${prefix}
  autoStart: false
http:
  listen: 127.0.0.1:0
log:
  level: debug
delivery:
  initialBackoff: 20ms
  maxBackoff: 200ms
lifecycle:
  restartDelay: 100ms
  stopTimeout: 3s
${extra}
plugins:
${entries}`;
}

/**
 * A test's own connection. It reconnects within 50 ms of a restarted server, before the gateway (1 s)
 * can publish again: what the gateway publishes on core subjects right after an outage is not lost to it.
 */
export async function client(url: string): Promise<NatsConnection> {
  return connect({ servers: url, reconnectTimeWait: 50, reconnectJitter: 0, maxReconnectAttempts: -1 });
}

/** Polls `check` until it returns true, or fails with `what` after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

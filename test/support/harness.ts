import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import pino from 'pino';
import { loadConfig } from '../../core/config/load';
import { Gateway } from '../../core/runtime/gateway';
import { createLogger } from '../../core/log';
import { configSecrets } from '../../core/runtime/gateway';

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

/** Starts a gateway from YAML text with logs captured (level debug). */
export async function startGateway(yaml: string, env: NodeJS.ProcessEnv = {}): Promise<Started> {
  const file = writeConfig(yaml);
  const config = loadConfig(file, { env: { ...process.env, ...env } });
  const logs = new LogCapture();
  const logger = createLogger('debug', configSecrets(config), logs as unknown as pino.DestinationStream);
  const gateway = await Gateway.start(config, { logger });
  return { gateway, logs, file };
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

/** Collects messages on a subject (JSON-decoded) until closed. */
export class Collector<T = Record<string, unknown>> {
  readonly items: T[] = [];
  private readonly sub: Subscription;
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  constructor(nc: NatsConnection, subject: string) {
    this.sub = nc.subscribe(subject, {
      callback: (_err, msg) => {
        this.items.push(JSON.parse(msg.string()) as T);
        this.waiters = this.waiters.filter((w) => (this.items.length >= w.n ? (w.resolve(), false) : true));
      },
    });
  }

  /** Resolves when at least `n` items arrived; rejects after `timeoutMs` saying how many did. */
  async waitFor(n: number, timeoutMs = 10_000): Promise<T[]> {
    if (this.items.length >= n) return this.items;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`expected ${n} messages, got ${this.items.length}: ${JSON.stringify(this.items).slice(0, 500)}`)),
        timeoutMs,
      );
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      });
    });
    return this.items;
  }

  close(): void {
    this.sub.unsubscribe();
  }
}

export async function client(url: string): Promise<NatsConnection> {
  return connect({ servers: url });
}

/** Polls `check` until it returns true, or fails with `what` after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

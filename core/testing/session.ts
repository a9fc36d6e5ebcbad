import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { DestinationStream } from 'pino';
import { stringify } from 'yaml';
import { loadConfig } from '../config/load';
import type { InboundAny, OutboundEnvelope, Receipt, StatusEvent } from '../contract/schemas';
import { subjects, type Subjects } from '../contract/subjects';
import { createLogger } from '../log';
import type { PluginManifest } from '../plugin/types';
import { Gateway } from '../runtime/gateway';
import { configSecrets } from '../runtime/secrets';
import { eventually } from './checks';
import { uniquePrefix } from './nats-server';

/** Messages seen on a subject (a `>` pattern), JSON-decoded, with the subject each came on. */
export class Watcher<T> {
  readonly items: Array<{ subject: string; value: T }> = [];
  private readonly sub: Subscription;

  constructor(nc: NatsConnection, subject: string) {
    this.sub = nc.subscribe(subject, { callback: (_err, msg) => void this.items.push({ subject: msg.subject, value: msg.json<T>() }) });
  }

  /** The items matching `pred`. */
  where(pred: (v: T) => boolean): Array<{ subject: string; value: T }> {
    return this.items.filter((i) => pred(i.value));
  }

  /** The first item matching `pred`, waiting up to `timeoutMs` for it. */
  first(pred: (v: T) => boolean, what: string, timeoutMs: number): Promise<{ subject: string; value: T }> {
    return eventually(() => this.items.find((i) => pred(i.value)), what, timeoutMs);
  }

  close(): void {
    this.sub.unsubscribe();
  }
}

/** The gateway's log lines, parsed: kept to check for warnings and to explain a failure. */
class LogLines extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    for (const line of chunk.toString().split('\n')) if (line.trim()) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

export interface SessionSettings {
  plugin: PluginManifest;
  options: Record<string, unknown>;
  account: string;
  natsUrl: string;
  waitMs: number;
  /** Core keys of the entry: access rules under test. */
  access: { allowFrom: string[]; groupPolicy: 'mention' | 'open' | 'off' };
}

/** How long core lets the instance stop; the adapter gets 30 % of it. */
export const STOP_TIMEOUT_MS = 5000;

/**
 * One gateway running the plugin under test on its own subject prefix (so its streams, buckets and
 * messages are its own), with its inbound, receipt and status subjects watched from the start.
 */
export class Session {
  readonly inbox: Watcher<InboundAny>;
  readonly receipts: Watcher<Receipt>;
  readonly statuses: Watcher<StatusEvent>;
  readonly subjects: Subjects;
  readonly logs = new LogLines();
  gateway?: Gateway;

  private constructor(
    private readonly nc: NatsConnection,
    readonly settings: SessionSettings,
    readonly prefix: string,
  ) {
    this.subjects = subjects(prefix);
    this.inbox = new Watcher(nc, `${prefix}.in.>`);
    this.receipts = new Watcher(nc, `${prefix}.receipt.>`);
    this.statuses = new Watcher(nc, `${prefix}.status.>`);
  }

  get channel(): string {
    return this.settings.plugin.name;
  }

  get account(): string {
    return this.settings.account;
  }

  /** Starts a gateway with the plugin from its manifest; resolves once the instance has started. */
  static async open(nc: NatsConnection, settings: SessionSettings): Promise<Session> {
    const session = new Session(nc, settings, uniquePrefix());
    await nc.flush();
    try {
      await session.start();
    } catch (err) {
      await session.close();
      throw err;
    }
    return session;
  }

  private async start(): Promise<void> {
    const { plugin, options, account, natsUrl, access } = this.settings;
    const yaml = stringify({
      nats: { servers: natsUrl, prefix: this.prefix, autoStart: false },
      http: { listen: '127.0.0.1:0' },
      log: { level: 'debug' },
      delivery: { initialBackoff: '50ms', maxBackoff: '1s', maxAttempts: 5 },
      lifecycle: { startTimeout: `${this.settings.waitMs}ms`, stopTimeout: `${STOP_TIMEOUT_MS}ms`, restartDelay: '1s' },
      plugins: [{ use: plugin.name, account, ...literal(options), ...access }],
    });
    // The plugin comes from its manifest, not from a module path or package name.
    const config = loadConfig(join(tmpdir(), `conformance-${plugin.name}.yaml`), { text: yaml, env: {}, load: () => plugin });
    const logger = createLogger('debug', configSecrets(config), this.logs as unknown as DestinationStream);
    this.gateway = await Gateway.start(config, { logger });
    const instance = this.gateway.instances[0]!;
    if (instance.state !== 'started') throw this.explain(`the plugin did not start: ${instance.lastError ?? instance.state}`);
  }

  /** Publishes an outbound envelope as an agent does. */
  publish(env: OutboundEnvelope): void {
    this.nc.publish(this.subjects.out(this.channel, this.account), JSON.stringify(env));
  }

  /** The instance's latest status in the KV bucket. */
  async statusInKv(): Promise<StatusEvent | undefined> {
    const kv = await new Kvm(this.nc).open(this.subjects.statusBucket);
    return (await kv.get(`${this.channel}.${this.account}`))?.json<StatusEvent>();
  }

  /** Log lines at warn level or above (what an operator would be alerted by). */
  warnings(): Array<Record<string, unknown>> {
    return this.logs.lines.filter((l) => Number(l.level) >= 40);
  }

  /** An error for a failed check, with the gateway's recent warnings and errors to show why. */
  explain(message: string): Error {
    const recent = this.warnings()
      .slice(-15)
      .map((l) => `  ${l.level === 40 ? 'WARN' : 'ERROR'} ${String(l.msg)}${l.err ? ` (${String(l.err)})` : ''}`);
    return new Error(recent.length ? `${message}\n\ngateway warnings and errors:\n${recent.join('\n')}` : message);
  }

  /** Throws `message`, with the gateway's recent warnings, unless `ok`. */
  require(ok: unknown, message: string): void {
    if (!ok) throw this.explain(message);
  }

  /** Stops the gateway (if still running) and the watchers; resolves with how long the stop took. */
  async close(): Promise<number> {
    const began = Date.now();
    await this.gateway?.stop();
    const took = Date.now() - began;
    await this.nc.flush().catch(() => undefined);
    for (const w of [this.inbox, this.receipts, this.statuses]) w.close();
    return took;
  }
}

/** Option values as YAML takes them literally: `$` would start a `${VAR}` reference. */
function literal(value: unknown): Record<string, unknown> {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(/\$/g, '$$$$');
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as Record<string, unknown>;
}

import 'reflect-metadata';
import { dirname } from 'node:path';
import type { Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { GatewayConfig, InstanceConfig } from '../config/load';
import { connectNats, type NatsHandle } from '../bus/connect';
import { StatusReporter } from '../bus/status';
import { StorageHealth } from '../bus/storage-health';
import { UnroutedHandler } from '../delivery/unrouted';
import { HttpServer } from '../http/server';
import { StatusPage } from '../http/status-page';
import { collectStatus } from '../bus/status-view';
import { gatewayVersion } from '../plugin/version';
import { serveStatus, type ReplicaStatus } from '../bus/status-control';
import { openAccountsBucket } from '../accounts/bucket';
import { Provisioner } from '../accounts/provisioner';
import { AccountsWatcher } from '../accounts/watcher';
import { loadPlugin } from '../plugin/loader';
import { serveMedia } from '../media/responder';
import { Metrics } from '../http/metrics';
import { watchNatsMetrics } from '../http/nats-metrics';
import { addLogSecrets, createLogger } from '../log';
import { scopeTracesFor } from '../trace/tracer';
import type { PairingLimits } from '../pairing/gate';
import { ConfigWatcher } from './config-watch';
import { serveControl, type ReloadOutcome } from './control';
import { Instance, type InstanceDeps } from './instance';
import { instanceKey, planReload, type ReloadSummary } from './reload-plan';
import { readConfigFile, readForReload, type ConfigReader } from './reload-file';
import { limited } from '../util/limited';
import { configSecrets, secretsOf } from './secrets';
import { prepareShared, type Shared } from './shared';

/**
 * Bots started at once (at start and on reload): each still starts as soon as a slot is free. 10,000
 * Feishu bots against the emulator on 2 cores: all at once never got ready; 64 at a time 91.6 s,
 * 128: 72.1 s, 256: 68.2 s (CPU-bound there, the NATS server creating consumers most of all; against
 * real platforms, starts wait on the network). Since then a start costs less: 256 take 44-56 s.
 */
const START_CONCURRENCY = 256;

export interface GatewayOptions {
  logger?: Logger;
  /** How a reload reads the config file again (default: `loadConfig` with the process environment). */
  read?: ConfigReader;
  /** Reload when the config file changes (`chat-gateway start` turns it on). */
  watch?: boolean;
  /** Pairing code limits; defaults: valid 1 hour, 3 pending per instance, sent again at most once a minute. */
  pairing?: Partial<PairingLimits>;
}

/**
 * The running gateway: one NATS connection, the streams and buckets, the HTTP server, and one
 * `Instance` per enabled plugin entry. `reload()` applies a new config by restarting only the
 * instances whose entries changed; the others keep their connections and queues untouched.
 */
export class Gateway {
  readonly instances: Instance[] = [];
  private stopping?: Promise<void>;
  private natsUp = false;
  private reloading: Promise<unknown> = Promise.resolve();
  private watcher?: ConfigWatcher;
  private control?: Subscription;
  private statusRequests?: Subscription;
  private readonly startedAt = new Date().toISOString();
  private provisioner?: Provisioner;
  private accounts?: AccountsWatcher;
  private mediaRequests?: Subscription;
  /** Whether JetStream can store now (quorum, stream leaders): part of readiness. */
  private readonly storage: StorageHealth;

  readonly http: HttpServer;

  private constructor(
    private current: GatewayConfig,
    readonly log: Logger,
    private readonly nats: NatsHandle,
    readonly metrics: Metrics,
    private readonly unrouted: UnroutedHandler,
    private readonly status: StatusReporter,
    private readonly shared: Shared,
    private readonly read: ConfigReader,
    /** Accounts that outbound envelopes may address: the unrouted handler refuses the others. */
    private readonly routable: Set<string>,
  ) {
    this.storage = new StorageHealth(nats.nc, [shared.outbound.subjects.inStream, shared.outbound.subjects.outStream], log);
    this.http = new HttpServer(current.http.listen, { ready: () => this.readiness(), metrics: () => metrics.render() }, log);
    metrics.watchInstances(() => this.instances.map((i) => ({ channel: i.config.channel, account: i.config.account, state: i.state })));
  }

  /** The config the gateway runs with (after a reload: the new one, except `nats` and `http`, which need a restart). */
  get config(): GatewayConfig {
    return this.current;
  }

  /**
   * Connects, prepares NATS, serves HTTP and starts every enabled instance (failures are reported, not
   * thrown). When a step before the instances fails, what the earlier steps started is undone.
   */
  static async start(config: GatewayConfig, opts: GatewayOptions = {}): Promise<Gateway> {
    const log = opts.logger ?? createLogger(config.log.level, configSecrets(config), undefined, config.log.format);
    const nats = await connectNats(config.nats, log);
    let gateway: Gateway | undefined;
    try {
      gateway = await Gateway.prepare(config, opts, log, nats);
      await gateway.begin(config, opts);
      return gateway;
    } catch (err) {
      await Promise.all(gateway?.instances.map((i) => i.stop()) ?? []);
      await gateway?.http.stop().catch(() => undefined);
      gateway?.shared.pairing.directory.stop();
      await nats.nc.close().catch(() => undefined);
      nats.local?.kill('SIGTERM');
      throw err;
    }
  }

  /** Streams, buckets and the services every instance shares; nothing listens or consumes yet. */
  private static async prepare(config: GatewayConfig, opts: GatewayOptions, log: Logger, nats: NatsHandle): Promise<Gateway> {
    const { shared, metrics, unrouted, status, routable } = await prepareShared(config, opts.pairing, log, nats);
    return new Gateway(config, log, nats, metrics, unrouted, status, shared, opts.read ?? readConfigFile, routable);
  }

  /** Serves HTTP, answers control requests, refuses unrouted envelopes and starts the instances. */
  private async begin(config: GatewayConfig, opts: GatewayOptions): Promise<void> {
    const log = this.log;
    this.http.serveStatus(
      new StatusPage({ view: () => collectStatus(this.nats.nc, this.shared.outbound.subjects), pages: () => this.http.pages() }),
      config.http.adminToken,
    );
    if (config.http.enabled) await this.http.start();
    this.natsUp = true;
    this.watchNats();
    await this.storage.start();
    watchNatsMetrics(this.nats.nc, this.metrics);
    this.shared.outbound.queues.start();
    const enabled = config.instances.filter((i) => i.enabled);
    for (const inst of enabled) this.routable.add(instanceKey(inst));
    this.unrouted.start();
    const { nc } = this.nats;
    this.control = serveControl(
      nc,
      this.shared.outbound.subjects,
      this.shared.outbound.owner,
      (reason) => this.reloadFromFile(reason),
      log,
    );
    this.statusRequests = serveStatus(nc, this.shared.outbound.subjects, () => this.snapshot(), log);
    this.mediaRequests = serveMedia(
      nc,
      this.shared.outbound.subjects,
      (channel, account) => this.instances.find((i) => i.key === `${channel}/${account}` && i.state === 'started')?.media,
      log,
    );
    for (const inst of enabled) this.instances.push(this.createInstance(inst, config));
    for (const inst of config.instances.filter((i) => !i.enabled))
      log.info({ channel: inst.channel, account: inst.account }, 'instance disabled (enabled: false)');
    await limited(this.instances, START_CONCURRENCY, (i) => i.start());
    if (opts.watch) {
      this.watcher = new ConfigWatcher(config.file, () => void this.reloadFromFile('config file changed'), log);
      this.watcher.start();
    }
    if (config.accounts.fromNats) await this.provision(config);
    const started = this.instances.filter((i) => i.state === 'started').length;
    log.info({ instances: this.instances.length, started, http: this.http.url || 'off' }, 'gateway started');
  }

  /** Runs the plugin entries of the accounts bucket and follows its changes (`accounts.fromNats`). */
  private async provision(config: GatewayConfig): Promise<void> {
    const kv = await openAccountsBucket(this.nats.nc, this.shared.outbound.subjects, { replicas: config.nats.replicas, log: this.log });
    this.provisioner = new Provisioner(
      {
        fileKeys: () => new Set(this.current.instances.filter((i) => i.enabled).map(instanceKey)),
        provisioned: (key) => this.instances.find((i) => i.key === key && i.config.source === 'nats')?.config,
        run: async (entry) => {
          const key = instanceKey(entry);
          addLogSecrets(this.log, secretsOf(entry));
          const previous = this.instances.find((i) => i.key === key);
          await previous?.stop();
          const instance = this.createInstance(entry, this.current);
          this.instances.splice(previous ? this.instances.indexOf(previous) : this.instances.length, previous ? 1 : 0, instance);
          this.routable.add(key);
          await instance.start();
        },
        drop: async (key) => {
          const instance = this.instances.find((i) => i.key === key && i.config.source === 'nats');
          if (!instance) return;
          this.instances.splice(this.instances.indexOf(instance), 1);
          this.routable.delete(key);
          await instance.stop();
          await this.status.forget(instance.config.channel, instance.config.account);
        },
        report: (channel, account, state, detail) => this.status.report(channel, account, state, detail),
      },
      loadPlugin,
      dirname(config.file),
      config.file,
      this.log,
    );
    this.accounts = new AccountsWatcher(kv, this.provisioner, this.log);
    await this.accounts.start();
  }

  private createInstance(entry: InstanceConfig, config: GatewayConfig): Instance {
    const deps: InstanceDeps = {
      ...this.shared,
      http: this.http,
      outbound: { ...this.shared.outbound, delivery: config.delivery },
      lifecycle: config.lifecycle,
    };
    return new Instance(entry, deps, this.log);
  }

  /**
   * Re-reads the config file and applies it (SIGHUP, the file watch, `chat-gateway reload`). A file
   * with problems is refused with each problem logged, and the running config stays. Never rejects.
   */
  async reloadFromFile(reason: string): Promise<ReloadOutcome> {
    const result = readForReload(this.current.file, this.read, this.log);
    if (result.text !== undefined) this.watcher?.seen(result.text);
    if (!result.ok) return result;
    try {
      return { ok: true, summary: await this.reload(result.config, reason) };
    } catch (err) {
      const message = `config reload failed: ${(err as Error).message}`;
      this.log.error({ reason }, message);
      return { ok: false, problems: [message] };
    }
  }

  /**
   * Applies a new, validated config: instances whose resolved entry changed are restarted, new ones
   * started, removed ones stopped; the others, their connections and their outbound consumers are not
   * touched. Reloads run one at a time. `nats` and `http` changes are logged as needing a restart.
   */
  reload(next: GatewayConfig, reason = 'reload'): Promise<ReloadSummary> {
    const run = this.reloading.then(() => this.apply(next, reason));
    this.reloading = run.catch(() => undefined);
    return run;
  }

  private async apply(next: GatewayConfig, reason: string): Promise<ReloadSummary> {
    if (this.stopping) throw new Error('the gateway is stopping');
    const began = Date.now();
    const plan = planReload(this.current, next);
    if (plan.needsRestart.length) {
      this.log.warn(
        { sections: plan.needsRestart },
        `${plan.needsRestart.join(' and ')} settings changed: they take effect after a restart; running with the previous ones`,
      );
    }
    addLogSecrets(this.log, configSecrets(next));
    if (next.log.level !== this.current.log.level) {
      this.log.level = next.log.level;
      scopeTracesFor(this.shared.outbound.tracer, this.log);
    }
    for (const i of plan.added) this.routable.add(instanceKey(i));
    const leaving = new Set([...plan.removed, ...plan.restarted.map(instanceKey)]);
    const fromFile = this.instances.filter((i) => i.config.source !== 'nats');
    // An account now in the file and in the bucket: the file's entry runs, the bucket's is refused.
    const clashing = this.instances.filter((i) => i.config.source === 'nats' && plan.added.some((a) => instanceKey(a) === i.key));
    for (const i of clashing)
      this.provisioner?.refused.set(`${i.config.channel}.${i.config.account}`, [
        `${i.key} is configured in ${next.file} too; the file's entry runs: remove one`,
      ]);
    await Promise.all([...fromFile.filter((i) => leaving.has(i.key)), ...clashing].map((i) => i.stop()));
    for (const key of plan.removed) this.routable.delete(key);
    const fresh = [...plan.restarted, ...plan.added].map((i) => this.createInstance(i, next));
    const byKey = new Map([...fromFile.filter((i) => !leaving.has(i.key)), ...fresh].map((i) => [i.key, i]));
    const provisioned = this.instances.filter((i) => i.config.source === 'nats' && !clashing.includes(i));
    this.instances.splice(
      0,
      this.instances.length,
      ...next.instances.filter((i) => i.enabled).map((i) => byKey.get(instanceKey(i))!),
      ...provisioned,
    );
    this.current = { ...next, nats: this.current.nats, http: this.current.http, metrics: this.current.metrics };
    await limited(fresh, START_CONCURRENCY, (i) => i.start());
    const summary: ReloadSummary = {
      added: plan.added.map(instanceKey),
      removed: plan.removed,
      restarted: plan.restarted.map(instanceKey),
      unchanged: plan.unchanged,
    };
    const part = (n: string, list: string[]) => `${list.length} ${n}${list.length ? ` (${list.join(', ')})` : ''}`;
    this.log.info(
      { reason, ...summary, ms: Date.now() - began },
      `config reloaded (${reason}): ${part('added', summary.added)}, ${part('removed', summary.removed)}, ${part('restarted', summary.restarted)}, ${summary.unchanged.length} unchanged`,
    );
    return summary;
  }

  /** What this replica runs now, as it answers `<prefix>.control.status`. */
  snapshot(): ReplicaStatus {
    return {
      replica: this.shared.outbound.owner,
      version: gatewayVersion(),
      startedAt: this.startedAt,
      instances: [
        ...this.instances.map((i) => {
          const reported = this.status.get(i.config.channel, i.config.account);
          return {
            channel: i.config.channel,
            account: i.config.account,
            source: i.config.source ?? 'file',
            lifecycle: i.state,
            ...(reported ? { state: reported.state, since: reported.time, ...(reported.detail ? { detail: reported.detail } : {}) } : {}),
            ...(i.lastError ? { error: i.lastError } : {}),
            ...(i.lastHint ? { hint: i.lastHint } : {}),
            sending: i.sending,
          };
        }),
        ...this.current.instances
          .filter((i) => !i.enabled)
          .map((i) => ({ channel: i.channel, account: i.account, source: 'file' as const, lifecycle: 'disabled', sending: false })),
      ],
      storage: this.storage.current,
      refused: [...(this.provisioner?.refused ?? new Map<string, string[]>())].map(([key, problems]) => ({ key, problems })),
    };
  }

  /** Ready when NATS is connected, JetStream can store and every enabled instance has started. */
  readiness(): { ready: boolean; detail: Record<string, unknown> } {
    const instances = Object.fromEntries(
      this.instances.map((i) => [
        i.key,
        {
          state: i.state,
          status: this.status.get(i.config.channel, i.config.account)?.state,
          ...(i.lastError ? { error: i.lastError } : {}),
        },
      ]),
    );
    const storage = this.storage.current;
    const ready = this.natsUp && storage.ok && this.instances.every((i) => i.state === 'started');
    return {
      ready,
      detail: {
        nats: this.natsUp ? 'connected' : 'disconnected',
        storage: storage.ok ? 'ok' : `cannot store: ${storage.cause}`,
        ...(storage.ok ? {} : { storageSince: storage.since }),
        instances,
      },
    };
  }

  private watchNats(): void {
    void (async () => {
      for await (const s of this.nats.nc.status()) {
        if (s.type === 'disconnect') {
          this.natsUp = false;
          this.log.warn({ server: s.server }, 'NATS connection lost; reconnecting');
        } else if (s.type === 'reconnect') {
          this.natsUp = true;
          this.log.info({ server: s.server }, 'NATS connection restored');
          this.status.refresh();
          for (const i of this.instances) i.natsReconnected();
        }
      }
    })().catch(() => undefined);
  }

  /** Stops instances (in-flight work finishes within the stop deadline), drains NATS, closes HTTP. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info('gateway stopping');
      this.watcher?.stop();
      await this.accounts?.stop();
      this.control?.unsubscribe();
      this.statusRequests?.unsubscribe();
      this.mediaRequests?.unsubscribe();
      await this.reloading;
      await Promise.all(this.instances.map((i) => i.stop()));
      await this.shared.outbound.queues.stop();
      await this.storage.stop();
      await this.shared.outbound.tracer.shutdown().catch((err: Error) => this.log.warn({ err: err.message }, 'spans not all exported'));
      await this.shared.activity.flush();
      this.shared.pairing.directory.stop();
      this.unrouted.stop();
      await this.nats.nc.drain().catch(() => undefined);
      await this.http.stop();
      if (this.nats.local) {
        const child = this.nats.local;
        await new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      this.log.info('gateway stopped');
      this.log.flush?.();
    })();
    return this.stopping;
  }
}

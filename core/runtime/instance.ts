import type { KV } from '@nats-io/kv';
import type { DependencyContainer } from 'tsyringe';
import type { Logger } from 'pino';
import type { InstanceConfig } from '../config/load';
import type { OutboundEnvelope, StatusState } from '../contract/schemas';
import type { ActivityRecorder } from '../bus/activity';
import type { StatusReporter } from '../bus/status';
import type { InboundPublisher, InboundTarget } from '../delivery/inbound';
import { ActionResolver } from '../delivery/inbound-actions';
import { Outbox } from '../delivery/outbox';
import { MediaFetcher } from '../media/fetch';
import { pluginMedia } from '../media/plugin-media';
import { resolveCapabilities, type ResolvedCapabilities } from '../plugin/capabilities';
import { OutboundWorker, type OutboundDeps } from '../delivery/outbound';
import { GatewayError } from '../errors';
import { backoff } from '../plugin/backoff';
import { deadline, settledWithin, sleep } from '../plugin/timing';
import { parseApiVersion } from '../plugin/version';
import type { HttpServer } from '../http/server';
import type { PairingDirectory } from '../pairing/directory';
import { PairingGate, type PairingLimits } from '../pairing/gate';
import type { Metrics } from '../http/metrics';
import { Context, Logger as LoggerToken, Options } from '../plugin/tokens';
import { ExclusiveRole } from './exclusive';
import { InstanceStore } from './store';
import type { ChannelAdapter, PluginContext, PublishResult } from '../plugin/types';

export interface InstanceDeps {
  container: DependencyContainer;
  inbound: InboundPublisher;
  status: StatusReporter;
  http: HttpServer;
  metrics: Metrics;
  outbound: OutboundDeps;
  lifecycle: { startTimeout: number; stopTimeout: number; restartDelay: number };
  activity: ActivityRecorder;
  /** The plugins' store bucket (`ctx.store`). */
  store: KV;
  /** Longest wait for one platform download (`media.fetchTimeout`). */
  mediaFetchTimeout: number;
  pairing: { directory: PairingDirectory; limits: PairingLimits };
}

/** pending → starting → started | failed (retried with backoff) → stopped. */
export type InstanceState = 'pending' | 'starting' | 'started' | 'failed' | 'stopped';

const MAX_RESTART_DELAY = 5 * 60_000;
/** How long an eager media download may hold a message back (the platform waits for its ack meanwhile). */
const EAGER_BUDGET_MS = 2000;
const START_HINT =
  "check that this machine reaches the platform (DNS, an HTTPS proxy if the network needs one, the firewall) and that the credentials in the config are the platform's current ones";

/**
 * One configured plugin instance: its own child DI container (context, options, logger), its adapter,
 * and its outbound worker. A failed start is reported and retried; it never affects other instances.
 */
export class Instance {
  state: InstanceState = 'pending';
  lastError?: string;
  /** With `lastError`: what to check. The plugin's own hint when its error has one, else where such failures come from. */
  lastHint?: string;
  private adapter?: ChannelAdapter;
  private worker?: OutboundWorker;
  private readonly abort = new AbortController();
  private retry?: Promise<void>;
  private readonly publishing = new Set<Promise<unknown>>();
  private readonly pairing?: PairingGate;
  /** The adapter's exclusive roles (`ctx.exclusive`), ended with it. */
  private roles: ExclusiveRole[] = [];
  readonly log: Logger;
  /** What the channel can do (its manifest's capabilities, defaults filled in). */
  readonly capabilities: ResolvedCapabilities;
  /** Downloads of inbound media into the media bucket (`chat.media.<channel>.<account>`, `media.eager`). */
  readonly media?: MediaFetcher;
  private readonly target: InboundTarget;

  constructor(
    readonly config: InstanceConfig,
    private readonly deps: InstanceDeps,
    parentLog: Logger,
  ) {
    this.log = parentLog.child({ channel: config.channel, account: config.account });
    if (config.dmPolicy === 'pairing') {
      const { directory, limits } = deps.pairing;
      this.pairing = new PairingGate(directory, config.channel, config.account, limits, (envelope) => this.sendDirect(envelope), this.log);
    }
    this.capabilities = resolveCapabilities(config.manifest.capabilities);
    const { channel, account } = config;
    deps.status.describe(channel, account, { ...this.capabilities });
    const store = deps.outbound.media;
    if (store)
      this.media = new MediaFetcher(store, { channel, account }, () => this.adapter, this.capabilities, deps.mediaFetchTimeout, this.log);
    const eager = config.media?.eager;
    this.target = {
      channel,
      account,
      entry: config,
      log: this.log,
      ...(this.pairing ? { pairing: this.pairing } : {}),
      actions: new ActionResolver(new Outbox(deps.outbound.outbox, channel, account)),
      ...(this.media && eager?.length ? { eager: (draft) => this.media!.eagerly(draft, eager, EAGER_BUDGET_MS) } : {}),
    };
  }

  get key(): string {
    return `${this.config.channel}/${this.config.account}`;
  }

  /** This replica sends the instance's outbound envelopes now (it holds the outbound lease). */
  get sending(): boolean {
    return this.worker?.sending ?? false;
  }

  /** This replica's NATS connection came back: outbound pulls start afresh (see `OutboundWorker.resync`). */
  natsReconnected(): void {
    this.worker?.resync();
  }

  /** Starts the adapter and its outbound worker. Never throws: failures become status `failed` and a retry. */
  async start(): Promise<void> {
    await this.attempt(1);
  }

  private async attempt(n: number): Promise<void> {
    if (this.abort.signal.aborted) return;
    const { channel, account } = this.config;
    this.state = 'starting';
    this.report('starting');
    try {
      this.adapter = this.createAdapter();
      const { startTimeout } = this.deps.lifecycle;
      await deadline(
        this.adapter.start(),
        startTimeout,
        'start',
        () => new GatewayError('E_START', `start did not finish within ${startTimeout} ms (lifecycle.startTimeout)`),
      );
      this.worker = new OutboundWorker(this.deps.outbound, channel, account, this.recording(this.adapter), this.capabilities, this.log);
      await this.worker.start();
      this.state = 'started';
      this.lastError = undefined;
      this.lastHint = undefined;
      const current = this.deps.status.get(channel, account)?.state;
      if (current === 'starting') this.report('connected');
      this.log.info(n > 1 ? { attempts: n } : {}, n > 1 ? `instance started after ${n} attempts` : 'instance started');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Said once with what to check; the retries that fail the same way are debug lines, not a wall of errors.
      const again = this.lastError === message;
      this.state = 'failed';
      this.lastError = message;
      this.lastHint = err instanceof GatewayError && err.hint ? err.hint : START_HINT;
      await this.safeStopAdapter();
      const delay = backoff(n, { initialMs: this.deps.lifecycle.restartDelay, maxMs: MAX_RESTART_DELAY, jitter: 'none' });
      this.report('failed', message);
      if (again)
        this.log.debug(
          { code: 'E_START', err: message, attempt: n, retryInMs: delay },
          `instance failed to start again (attempt ${n}): ${message}`,
        );
      else
        this.log.error(
          { code: 'E_START', err: message, hint: this.lastHint, retryInMs: delay },
          `instance failed to start: ${message} (retrying in ${delay < 1000 ? `${delay} ms` : `${Math.round(delay / 1000)} s`}; while the reason stays the same, only at debug level)`,
        );
      this.retry = sleep(delay, this.abort.signal).then(
        () => this.attempt(n + 1),
        () => undefined,
      );
    }
  }

  private createAdapter(): ChannelAdapter {
    const { channel, account, options, manifest } = this.config;
    const child = this.deps.container.createChildContainer();
    const store = new InstanceStore(this.deps.store, channel, account);
    const media = pluginMedia(this.deps.outbound.media, channel, account);
    // A plugin that uses more than the API it declares would break on an older gateway: refuse it here.
    const declared = parseApiVersion(manifest.apiVersion)!;
    const needs = (feature: string, minor: number) => {
      if (declared.minor >= minor) return;
      throw new GatewayError(
        'E_PLUGIN_LOAD',
        `plugin "${manifest.name}" uses ${feature}, which needs plugin API 1.${minor}, but declares apiVersion ${JSON.stringify(manifest.apiVersion)}`,
        `declare apiVersion: '1.${minor}' in its definePlugin({...})`,
      );
    };
    const ctx: PluginContext = {
      channel,
      account,
      logger: this.log,
      publish: (draft) => this.track(this.deps.inbound.publish(this.target, draft).then((r) => this.noteInbound(r))),
      status: (state, detail) => {
        if (this.abort.signal.aborted && state !== 'stopped') return;
        this.report(state, detail);
      },
      http: this.deps.http.routesFor(channel, account),
      signal: this.abort.signal,
      get store() {
        needs('ctx.store', 1);
        return store;
      },
      get media() {
        needs('ctx.media', 2);
        return media;
      },
      exclusive: (role, hold) => {
        needs('ctx.exclusive()', 1);
        if (this.roles.some((r) => r.role === role)) throw new Error(`exclusive role "${role}" is already taken by this instance`);
        const { leases, owner } = this.deps.outbound;
        const exclusive = new ExclusiveRole(leases, `${channel}.${account}.role`, role, owner, this.log, hold);
        this.roles.push(exclusive);
        exclusive.start();
      },
    };
    child.register(Context, { useValue: ctx });
    child.register(Options, { useValue: options });
    child.register(LoggerToken, { useValue: this.log });
    return child.resolve(manifest.adapter);
  }

  private noteInbound(result: PublishResult): PublishResult {
    if (result.outcome === 'stored') this.deps.activity.mark(this.config.channel, this.config.account, 'inbound');
    return result;
  }

  /** The adapter as the outbound worker sees it: every accepted delivery is recorded as activity. */
  private recording(adapter: ChannelAdapter): ChannelAdapter {
    const { channel, account } = this.config;
    const marked = <T>(p: Promise<T>): Promise<T> =>
      p.then((r) => {
        this.deps.activity.mark(channel, account, 'outbound');
        return r;
      });
    return {
      start: () => adapter.start(),
      stop: () => adapter.stop(),
      send: (envelope, info) => marked(adapter.send(envelope, info)),
      ...(adapter.edit ? { edit: (envelope, target, info) => marked(adapter.edit!(envelope, target, info)) } : {}),
      ...(adapter.delete ? { delete: (target, info) => marked(adapter.delete!(target, info)) } : {}),
      ...(adapter.react ? { react: (reaction, info) => marked(adapter.react!(reaction, info)) } : {}),
      ...(adapter.typing ? { typing: (target, info) => adapter.typing!(target, info) } : {}),
      ...(adapter.fetchMedia ? { fetchMedia: (request, info) => adapter.fetchMedia!(request, info) } : {}),
    };
  }

  /** Sends a message core wrote itself (a pairing code): one attempt, no queue, no receipt. */
  private async sendDirect(envelope: OutboundEnvelope): Promise<unknown> {
    const adapter = this.adapter;
    if (!adapter) throw new Error('instance is not started');
    const { sendTimeout } = this.deps.outbound.delivery;
    const info = { attempt: 1, signal: this.abort.signal, sequence: 0, actions: [], attachments: [] };
    return deadline(adapter.send(envelope, info), sendTimeout, 'send (delivery.sendTimeout)');
  }

  /** Stops taking work, lets in-flight deliveries finish, then stops the adapter, all within the stop deadline. */
  async stop(): Promise<void> {
    this.abort.abort(new Error('instance stopping'));
    await this.retry;
    const stopMs = this.deps.lifecycle.stopTimeout;
    await this.worker?.stop(stopMs * 0.6);
    await this.safeStopAdapter(stopMs * 0.3);
    // Inbound messages the platform handed over before the stop are stored before NATS is drained.
    if (!(await settledWithin(Promise.allSettled([...this.publishing]), stopMs * 0.1))) this.log.warn('inbound publishes still pending');
    this.deps.http.unmount(this.config.channel, this.config.account);
    this.state = 'stopped';
    this.report('stopped');
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.publishing.add(p);
    const done = () => this.publishing.delete(p);
    p.then(done, done);
    return p;
  }

  private async safeStopAdapter(stopMs = this.deps.lifecycle.stopTimeout): Promise<void> {
    const roles = this.roles;
    this.roles = [];
    await Promise.all(roles.map((r) => r.stop(stopMs / 2)));
    const adapter = this.adapter;
    this.adapter = undefined;
    if (!adapter) return;
    try {
      await deadline(adapter.stop(), stopMs, 'stop', () => new Error(`stop did not finish within ${Math.round(stopMs)} ms`));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'adapter stop failed');
    }
  }

  private report(state: StatusState, detail?: string): void {
    this.deps.status.report(this.config.channel, this.config.account, state, detail);
  }
}

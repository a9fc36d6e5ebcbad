/**
 * The emulator's machinery: the HTTP server (Web API, files host, Socket Mode upgrades), injected
 * faults, rate limits and envelope delivery with its records. `SlackEmulator` (index.ts) adds the
 * workspace and what people do in it.
 */
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import { LocalServer } from '../shared/http';
import type { Hooks, Limits } from './api-common';
import { EventDelivery, type Outgoing } from './delivery';
import { filesHandler, type DownloadFault, type FileRecord } from './files-http';
import { DEFAULT_RATE_LIMITS, RateLimiter } from './rate-limits';
import { SocketHub } from './socket';
import type { ApiMethod, DeliveryOutcome, DeliveryRecord, EmulatorOptions, FailRule, PushOptions, RequestRecord } from './types';
import { Faults, webApiHandler } from './web-api';
import { Workspace } from './workspace';

export abstract class EmulatorCore extends EventEmitter {
  /** Every Web API request answered. */
  readonly requests: RequestRecord[] = [];
  /** Every request to the files host (downloads and uploads). */
  readonly fileRequests: FileRecord[] = [];
  /** Client messages that broke the protocol (must stay empty). */
  readonly protocolErrors: Array<{ appId: string; error: Error }> = [];

  protected readonly ws = new Workspace();
  protected readonly faults = new Faults();
  protected readonly downloadFaults = new Map<string, DownloadFault>();
  protected readonly hub: SocketHub;
  protected readonly delivery: EventDelivery;
  /** What was delivered, by key, so `redeliver` can send it again. */
  protected readonly outgoing = new Map<string, { appId: string; out: Outgoing; attempts: number }>();
  private readonly http = new LocalServer('SlackEmulator');
  /** The workspace's limits and rate limits, as the options say (`configure` changes them). */
  private readonly limits: Limits = { streamTimeoutMs: 0, maxUploadBytes: 0, uploadUrlTtlMs: 0 };
  private readonly rateLimits = new RateLimiter({});

  protected readonly options: EmulatorOptions;

  constructor(options: EmulatorOptions = {}) {
    super();
    this.options = { ...options };
    this.hub = new SocketHub({
      pingIntervalMs: this.options.pingIntervalMs ?? 10_000,
      maxConnectionsPerApp: this.options.maxConnectionsPerApp ?? 10,
      ticketTtlMs: this.options.ticketTtlMs ?? 30_000,
      disconnectGraceMs: this.options.disconnectGraceMs ?? 5_000,
    });
    this.delivery = new EventDelivery(this.hub, () => ({
      ackTimeoutMs: this.options.ackTimeoutMs ?? 3000,
      retryDelaysMs: this.options.retryDelaysMs ?? [1000, 60_000, 300_000],
    }));
    this.hub.on('connection', (c: { appId: string; id: string }) => this.emit('connection', { appId: c.appId, id: c.id }));
    this.hub.on('close', (c: { appId: string; id: string }) => this.emit('close', { appId: c.appId, id: c.id }));
    this.hub.on('protocolError', (e: { appId: string; error: Error }) => {
      this.protocolErrors.push(e);
      this.emit('protocolError', e);
    });
    for (const name of ['delivery', 'ack', 'outcome'] as const) this.delivery.on(name, (x: unknown) => this.emit(name, x));
    this.configure({});
  }

  /**
   * Changes settings, also once started (a test whose fixture started the emulator): the limits
   * (`streamTimeoutMs`, `editWindowMs`, `maxUploadBytes`, `uploadUrlTtlMs`, `rateLimits`) and the
   * delivery timings (`ackTimeoutMs`, `retryDelaysMs`).
   */
  configure(options: Partial<EmulatorOptions>): void {
    Object.assign(this.options, options);
    const o = this.options;
    this.limits.streamTimeoutMs = o.streamTimeoutMs ?? 10 * 60_000;
    this.limits.maxUploadBytes = o.maxUploadBytes ?? 1024 ** 3;
    this.limits.uploadUrlTtlMs = o.uploadUrlTtlMs ?? 10 * 60_000;
    if (o.editWindowMs !== undefined) this.limits.editWindowMs = o.editWindowMs;
    else delete this.limits.editWindowMs;
    this.rateLimits.rules = o.rateLimits ?? DEFAULT_RATE_LIMITS;
  }

  /** What handlers call back into: records and echoes, defined by the workspace side. */
  protected abstract hooks(): Omit<Hooks, 'issueTicket' | 'uploadUrl'>;

  async start(): Promise<void> {
    const api = webApiHandler({
      ws: this.ws,
      faults: this.faults,
      context: {
        ...this.hooks(),
        issueTicket: (appId) => this.hub.issueUrl(appId, this.http.url.replace(/^http/, 'ws')),
        uploadUrl: (fileId) => `${this.http.url}/upload/v1/${fileId}`,
      },
      limits: this.limits,
      rateLimits: this.rateLimits,
      onRequest: (r) => {
        this.requests.push(r);
        this.emit('request', r);
      },
    });
    const files = filesHandler(this.ws, this.downloadFaults, (r) => {
      this.fileRequests.push(r);
      this.emit('fileRequest', r);
    });
    const server = createServer((req, res) => {
      const path = req.url ?? '';
      if (path.startsWith('/api/')) void api(req, res);
      else if (path.startsWith('/files-pri/') || path.startsWith('/upload/')) void files(req, res);
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    });
    server.on('upgrade', (req, socket, head) => this.hub.handleUpgrade(req, socket, head));
    await this.http.start(server);
    this.ws.fileBase = this.http.url;
  }

  /** The Web API base URL, e.g. `http://127.0.0.1:41234/api/` (`slackApiUrl` of the SDK, `apiUrl` of the plugin). */
  get apiUrl(): string {
    return `${this.http.url}/api/`;
  }

  async stop(): Promise<void> {
    this.delivery.close();
    this.hub.closeAll();
    this.faults.clear();
    await this.http.stop();
  }

  // Faults ---------------------------------------------------------------------------------------

  failNext(rule: FailRule): void {
    this.faults.failNext(rule);
  }

  setLatency(method: ApiMethod, ms: number): void {
    if (ms > 0) this.faults.latency.set(method, ms);
    else this.faults.latency.delete(method);
  }

  /** The next download of the file breaks after `afterBytes` bytes (the socket is destroyed mid-body). */
  failDownload(fileId: string, afterBytes: number): void {
    this.downloadFaults.set(fileId, { afterBytes });
  }

  // Socket Mode ----------------------------------------------------------------------------------

  connections(appId: string): number {
    return this.hub.connections(appId).length;
  }

  waitForConnections(appId: string, n = 1, timeoutMs = 5000): Promise<void> {
    return this.until(() => this.connections(appId) >= n, ['connection', 'close'], timeoutMs, `${n} Socket Mode connection(s) of ${appId}`);
  }

  /** Sends `{type:'disconnect', reason}` to every connection of the app; returns how many. */
  disconnect(appId: string, reason: 'refresh_requested' | 'link_disabled' | 'warning' | string = 'refresh_requested'): number {
    return this.hub.disconnect(appId, reason);
  }

  /** Abruptly closes the app's sockets (no close frame); returns how many. */
  dropConnections(appId: string): number {
    return this.hub.drop(appId);
  }

  /** Every delivery attempt of every envelope. */
  get deliveries(): readonly DeliveryRecord[] {
    return this.delivery.records;
  }

  /** Envelope ids acked after their attempt had timed out (Slack ignores those acks). */
  get lateAcks(): readonly string[] {
    return this.delivery.lateAcks;
  }

  /** Delivers an envelope again, as Slack's next retry (same event_id or trigger_id, the attempt count continuing). */
  redeliver(key: string, opts: PushOptions = {}): Promise<DeliveryOutcome> {
    const known = this.outgoing.get(key);
    if (!known) return Promise.reject(new Error(`SlackEmulator: unknown event ${key}`));
    return this.send(known.appId, known.out, opts, known.attempts);
  }

  protected send(appId: string, out: Outgoing, opts: PushOptions = {}, firstAttempt = 0): Promise<DeliveryOutcome> {
    const entry = this.outgoing.get(out.key) ?? { appId, out, attempts: 0 };
    this.outgoing.set(out.key, entry);
    return this.delivery.deliver(appId, out, opts, firstAttempt).then((o) => {
      entry.attempts = Math.max(entry.attempts, firstAttempt + o.attempts);
      return o;
    });
  }

  protected until(check: () => boolean, events: string[], timeoutMs: number, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const on = () => {
        if (!check()) return;
        cleanup();
        resolve();
      };
      const cleanup = () => {
        clearTimeout(t);
        for (const e of events) this.off(e, on);
      };
      const t = setTimeout(() => {
        cleanup();
        reject(new Error(`SlackEmulator: timed out waiting for ${what}`));
      }, timeoutMs);
      for (const e of events) this.on(e, on);
    });
  }
}

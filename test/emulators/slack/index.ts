/**
 * SlackEmulator: a local Slack speaking the Web API and Socket Mode to the real `@slack/web-api`
 * `WebClient` and `@slack/socket-mode` `SocketModeClient` (give both `slackApiUrl: emu.apiUrl`). See README.md.
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import { EventDelivery } from './delivery';
import { appMentionEvent, deleteEvent, editEvent, eventCallback, messageEvent, type EventCallback, type SlackEvent } from './events';
import { flag } from './methods';
import { SocketHub } from './socket';
import type {
  AppInfo,
  AppOptions,
  ApiMethod,
  ChannelOptions,
  DeliveryOutcome,
  DeliveryRecord,
  EmulatorOptions,
  FailRule,
  PostInput,
  PostedMessage,
  PushOptions,
  RequestRecord,
  UserOptions,
} from './types';
import { Faults, webApiHandler } from './web-api';
import { slackId, Workspace, type App, type StoredMessage } from './workspace';
import { closeServer, listenLocal } from '../shared/http';

export * from './types';
export type { EventCallback, SlackEvent } from './events';
export type { StoredMessage } from './workspace';

/**
 * The emulator. Events (via `on`): 'request' (RequestRecord), 'posted' (PostedMessage), 'delivery' and
 * 'ack' (DeliveryRecord), 'outcome' (DeliveryOutcome), 'connection' / 'close' ({appId, id}), 'protocolError'.
 */
export class SlackEmulator extends EventEmitter {
  /** Every message the bots posted. */
  readonly posted: PostedMessage[] = [];
  /** Every Web API request answered. */
  readonly requests: RequestRecord[] = [];
  /** Client messages that broke the protocol (must stay empty). */
  readonly protocolErrors: Array<{ appId: string; error: Error }> = [];

  private readonly ws = new Workspace();
  private readonly faults = new Faults();
  private readonly hub: SocketHub;
  private readonly delivery: EventDelivery;
  private readonly payloads = new Map<string, { appId: string; payload: EventCallback; attempts: number }>();
  private server?: Server;
  private base = '';

  constructor(private readonly options: EmulatorOptions = {}) {
    super();
    this.hub = new SocketHub({
      pingIntervalMs: options.pingIntervalMs ?? 10_000,
      maxConnectionsPerApp: options.maxConnectionsPerApp ?? 10,
      ticketTtlMs: options.ticketTtlMs ?? 30_000,
      disconnectGraceMs: options.disconnectGraceMs ?? 5_000,
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
  }

  async start(): Promise<void> {
    const api = webApiHandler({
      ws: this.ws,
      faults: this.faults,
      context: {
        issueTicket: (appId) => this.hub.issueUrl(appId, this.base.replace(/^http/, 'ws')),
        onPosted: (app, m, args, threadTs) => this.onPosted(app, m, args, threadTs),
      },
      onRequest: (r) => {
        this.requests.push(r);
        this.emit('request', r);
      },
    });
    const server = createServer((req, res) => {
      if ((req.url ?? '').startsWith('/api/')) void api(req, res);
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    });
    server.on('upgrade', (req, socket, head) => this.hub.handleUpgrade(req, socket, head));
    this.base = await listenLocal(server);
    this.server = server;
  }

  /** The Web API base URL, e.g. `http://127.0.0.1:41234/api/` (`slackApiUrl` of the SDK, `apiUrl` of the plugin). */
  get apiUrl(): string {
    if (!this.base) throw new Error('SlackEmulator: call start() first');
    return `${this.base}/api/`;
  }

  async stop(): Promise<void> {
    this.delivery.close();
    this.hub.closeAll();
    this.faults.clear();
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  // Workspace ------------------------------------------------------------------------------------

  /** Register an app installed in the workspace: its bot user, bot token (xoxb-) and app-level token (xapp-). */
  addApp(o: AppOptions = {}): AppInfo {
    const { scopes: _s, appScopes: _a, verificationToken: _v, ...info } = this.ws.addApp(o);
    return info;
  }

  /** A person in the workspace (given the id of one already there, replaces it). */
  addUser(o: UserOptions): { id: string; name: string } {
    const u = this.ws.addUser(o);
    return { id: u.id, name: u.name };
  }

  /** A conversation (public channel by default) with these members (bot user ids included). */
  addChannel(o: ChannelOptions): { id: string } {
    return { id: this.ws.addChannel(o).id };
  }

  /** The DM channel (D...) between a user and an app's bot. */
  dm(appId: string, userId: string): string {
    return this.ws.im(this.ws.requireApp(appId).botUserId, userId).id;
  }

  hasConversation(id: string): boolean {
    return this.ws.conversations.has(id);
  }

  addMember(channel: string, userId: string): void {
    this.conv(channel).members.add(userId);
  }

  archiveChannel(id: string): void {
    this.conv(id).archived = true;
  }

  /** The token stops working: every call with it answers `token_revoked`. */
  revokeToken(token: string): void {
    this.ws.revoked.add(token);
  }

  /** A stored message (thread fields included), for assertions. */
  message(channel: string, ts: string): StoredMessage | undefined {
    return this.ws.message(channel, ts);
  }

  // Faults ---------------------------------------------------------------------------------------

  failNext(rule: FailRule): void {
    this.faults.failNext(rule);
  }

  setLatency(method: ApiMethod, ms: number): void {
    if (ms > 0) this.faults.latency.set(method, ms);
    else this.faults.latency.delete(method);
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

  /** Every delivery attempt of every event. */
  get deliveries(): readonly DeliveryRecord[] {
    return this.delivery.records;
  }

  /** Envelope ids acked after their attempt had timed out. */
  get lateAcks(): readonly string[] {
    return this.delivery.lateAcks;
  }

  // Events ---------------------------------------------------------------------------------------

  /** Deliver an event to an app (wrapped in an event_callback); resolves when acked or out of retries. */
  pushEvent(appId: string, event: SlackEvent, opts: PushOptions = {}): Promise<DeliveryOutcome> {
    const app = this.ws.requireApp(appId);
    return this.send(app, eventCallback(this.ws, app, event), opts);
  }

  /** Deliver an event again, as Slack's next retry (same event_id, retry_attempt continuing the count). */
  redeliver(eventId: string, opts: PushOptions = {}): Promise<DeliveryOutcome> {
    const known = this.payloads.get(eventId);
    if (!known) return Promise.reject(new Error(`SlackEmulator: unknown event ${eventId}`));
    return this.send(this.ws.requireApp(known.appId), known.payload, opts, known.attempts);
  }

  /**
   * A person posts a message. It is stored (a reply joins its thread), and each app whose bot is in the
   * conversation gets a `message` event, plus an `app_mention` event when the text mentions its bot
   * (outside DMs), as Slack sends both. Resolves the ts at once; `deliveries` when every event ended.
   */
  post(input: PostInput): { ts: string; eventIds: string[]; deliveries: Promise<DeliveryOutcome[]> } {
    const conv = this.conv(input.channel);
    if (!conv.members.has(input.user)) throw new Error(`SlackEmulator: ${input.user} is not in ${input.channel}`);
    if (input.threadTs && !this.ws.message(conv.id, input.threadTs))
      throw new Error(`SlackEmulator: no message ${input.threadTs} in ${input.channel}`);
    const files = input.files?.map((f) => ({ id: f.id ?? slackId('F'), name: f.name, mimetype: f.mimetype }));
    const subtype = files?.length ? 'file_share' : input.broadcast ? 'thread_broadcast' : undefined;
    const m = this.ws.store({
      channel: conv.id,
      user: input.user,
      text: input.text ?? '',
      ...(files ? { files } : {}),
      ...(input.threadTs ? { threadTs: input.threadTs } : {}),
      ...(subtype ? { subtype } : {}),
    });
    return { ts: m.ts, ...this.fanOut(m, true) };
  }

  /** A user edits a message: `message_changed` to the apps in the conversation. */
  edit(channel: string, ts: string, text: string): Promise<DeliveryOutcome[]> {
    const m = this.requireMessage(channel, ts);
    const previous = m.text;
    m.text = text;
    return this.toMembers(channel, () => editEvent(this.ws, m, previous)).deliveries;
  }

  /** A user deletes a message: `message_deleted`. */
  remove(channel: string, ts: string): Promise<DeliveryOutcome[]> {
    const m = this.requireMessage(channel, ts);
    this.ws.messages.delete(`${channel}/${ts}`);
    return this.toMembers(channel, () => deleteEvent(this.ws, m)).deliveries;
  }

  /** A user joins a channel: a `channel_join` message. */
  join(channel: string, userId: string): Promise<DeliveryOutcome[]> {
    this.conv(channel).members.add(userId);
    const m = this.ws.store({ channel, user: userId, text: `<@${userId}> has joined the channel`, subtype: 'channel_join' });
    return this.fanOut(m, false).deliveries;
  }

  /** Resolves with the next posted message matching `pred`. */
  waitForPost(pred: (m: PostedMessage) => boolean = () => true, timeoutMs = 5000): Promise<PostedMessage> {
    const found = this.posted.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.off('posted', on);
        reject(new Error(`SlackEmulator: no matching post within ${timeoutMs} ms (posted: ${this.posted.length})`));
      }, timeoutMs);
      const on = (m: PostedMessage) => {
        if (!pred(m)) return;
        clearTimeout(t);
        this.off('posted', on);
        resolve(m);
      };
      this.on('posted', on);
    });
  }

  // ----------------------------------------------------------------------------------------------

  private fanOut(m: StoredMessage, mentions: boolean): { eventIds: string[]; deliveries: Promise<DeliveryOutcome[]> } {
    const a = this.toMembers(m.channel, () => messageEvent(this.ws, m));
    const conv = this.conv(m.channel);
    if (!mentions || conv.kind === 'im') return a;
    const mentioned = [...this.ws.apps.values()].filter(
      (app) => app.botUserId !== m.user && conv.members.has(app.botUserId) && m.text.includes(`<@${app.botUserId}>`),
    );
    const b = mentioned.map((app) => this.sendTracked(app, eventCallback(this.ws, app, appMentionEvent(this.ws, m))));
    return {
      eventIds: [...a.eventIds, ...b.map((x) => x.eventId)],
      deliveries: Promise.all([a.deliveries, ...b.map((x) => x.outcome)]).then(([first, ...rest]) => [...first!, ...rest]),
    };
  }

  private toMembers(channel: string, build: () => SlackEvent): { eventIds: string[]; deliveries: Promise<DeliveryOutcome[]> } {
    const conv = this.conv(channel);
    const apps = [...this.ws.apps.values()].filter((app) => conv.members.has(app.botUserId));
    const sent = apps.map((app) => this.sendTracked(app, eventCallback(this.ws, app, build())));
    return { eventIds: sent.map((s) => s.eventId), deliveries: Promise.all(sent.map((s) => s.outcome)) };
  }

  private sendTracked(app: App, payload: EventCallback): { eventId: string; outcome: Promise<DeliveryOutcome> } {
    return { eventId: payload.event_id, outcome: this.send(app, payload, {}) };
  }

  private send(app: App, payload: EventCallback, opts: PushOptions, firstAttempt = 0): Promise<DeliveryOutcome> {
    const entry = this.payloads.get(payload.event_id) ?? { appId: app.appId, payload, attempts: 0 };
    this.payloads.set(payload.event_id, entry);
    return this.delivery.deliver(app.appId, payload, opts, firstAttempt).then((o) => {
      entry.attempts = Math.max(entry.attempts, firstAttempt + o.attempts);
      return o;
    });
  }

  private onPosted(app: App, m: StoredMessage, args: Record<string, unknown>, threadTs: string | undefined): void {
    const record: PostedMessage = {
      appId: app.appId,
      channel: m.channel,
      ts: m.ts,
      text: m.text,
      mrkdwn: flag(args.mrkdwn, true),
      args,
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(threadTs ? { threadTs } : {}),
      ...(m.threadTs ? { threadRoot: m.threadTs } : {}),
    };
    this.posted.push(record);
    this.emit('posted', record);
    // Slack sends a bot its own messages too (with bot_id), in channels it subscribes to.
    if (this.options.echoBotMessages ?? true) setImmediate(() => void this.toMembers(m.channel, () => messageEvent(this.ws, m)));
  }

  private conv(id: string) {
    const c = this.ws.conversations.get(id);
    if (!c) throw new Error(`SlackEmulator: unknown conversation ${id}`);
    return c;
  }

  private requireMessage(channel: string, ts: string): StoredMessage {
    const m = this.ws.message(channel, ts);
    if (!m) throw new Error(`SlackEmulator: no message ${ts} in ${channel}`);
    return m;
  }

  private until(check: () => boolean, events: string[], timeoutMs: number, what: string): Promise<void> {
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

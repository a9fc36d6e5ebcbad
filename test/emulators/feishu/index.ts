/**
 * FeishuEmulator: a local Feishu/Lark Open Platform speaking the real wire protocol to the real
 * `@larksuiteoapi/node-sdk` (pass `emu.url` as the SDK's `domain`). See README.md.
 */
import { EventEmitter } from 'node:events';
import { AppRegistry } from './apps';
import { CardStore, STREAMING_LIMIT_MS, type CardEntity } from './cardkit';
import type { ApiDeps } from './deps';
import { AckTimeoutError, EventDelivery, type DeliveryRecord } from './event-delivery';
import { buildMessageEvent, type SchemaV2Event } from './events';
import { Faults } from './faults';
import { hex } from './ids';
import { MessageChanges, type MessageChange } from './message-edit-api';
import { MessageStore } from './messages';
import { RateLimiter } from './rate-limit';
import { createEmulatorServer } from './server';
import type {
  AckResult,
  ApiName,
  AppOptions,
  ClientConfig,
  EmulatorOptions,
  FailRule,
  MessageEventInput,
  PushOptions,
  ReactionRecord,
  RequestLogEntry,
  SentMessage,
} from './types';
import { buildWebhookRequest, postJson, type WebhookOptions, type WebhookResponse } from './webhook';
import {
  buttonsOf,
  cardActionEvent,
  CALLBACK_DEADLINE_MS,
  CallbackCodes,
  judgeAnswer,
  menuEvent,
  type CallbackOutcome,
  type CallbackRoute,
  type CardButton,
} from './callbacks';
import { botMemberEvent, p2pEnteredEvent, reactionEvent, recalledEvent } from './platform-events';
import { registerResourceRoutes, ResourceStore, type Resource } from './resources';
import { nextEvent, until } from './waiters';
import { WsGateway } from './ws-gateway';
import { LocalServer } from '../shared/http';

export * from './types';
export { AckTimeoutError, type DeliveryRecord } from './event-delivery';
export type { SchemaV2Event } from './events';
export { buildWebhookRequest, encryptPayload, signature, type WebhookOptions, type WebhookResponse } from './webhook';
export { decodeFrame, encodeFrame, type Frame } from './pbbp2';
export { Codes } from './errors';
export type { CardEntity, CardOperation } from './cardkit';
export { MAX_EDITS, type MessageChange } from './message-edit-api';
export { CallbackCodes, type CallbackOutcome, type CallbackRoute, type CardButton } from './callbacks';
export { FILE_LIMIT, IMAGE_LIMIT, type Resource } from './resources';

/** Feishu's own long-connection defaults (seconds). */
const DEFAULT_CLIENT_CONFIG: ClientConfig = { ReconnectCount: -1, ReconnectInterval: 120, ReconnectNonce: 30, PingInterval: 120 };

/** Public facts about a registered app. */
export interface AppInfo {
  appId: string;
  botOpenId: string;
  botName: string;
  tenantKey: string;
  verificationToken: string;
}

/**
 * The emulator. Events (via `on`): 'request' (RequestLogEntry), 'sent' (SentMessage), 'ack' (AckResult),
 * 'timeout' / 'redelivery' (DeliveryRecord), 'connection' / 'ready' / 'disconnect' / 'ping' ({appId, id}),
 * 'protocolError' ({appId, error}), 'changed' (MessageChange: an edit or recall).
 */
export class FeishuEmulator extends EventEmitter {
  /** Every message accepted by create or reply (uuid duplicates are not repeated). */
  readonly sent: SentMessage[] = [];
  /** Every reaction added (deleted ones carry `deletedAt`). */
  readonly reactions: ReactionRecord[] = [];
  /** Every HTTP request answered. */
  readonly requests: RequestLogEntry[] = [];
  /** Frames from clients that broke the protocol (should stay empty). */
  readonly protocolErrors: Array<{ appId: string; error: Error }> = [];

  private readonly apps = new AppRegistry();
  private readonly faults = new Faults();
  private readonly limiter = new RateLimiter();
  private readonly store = new MessageStore();
  private cardStreamingLimitMs: number;
  private readonly cardStore = new CardStore(() => this.cardStreamingLimitMs);
  private readonly messageChanges = new MessageChanges();
  private readonly events = new Map<string, unknown>();
  /** Images and files: uploaded by the bot, or given to users' messages with {@link userFile}. */
  private readonly resources = new ResourceStore();
  private clientConfig: ClientConfig;
  private readonly gateway: WsGateway;
  private readonly delivery: EventDelivery;
  private readonly http = new LocalServer('FeishuEmulator');

  /** @param options ClientConfig handed out, default ack timeout, card table limit, ticket lifetime. */
  constructor(private readonly options: EmulatorOptions = {}) {
    super();
    this.cardStreamingLimitMs = options.cardStreamingLimitMs ?? STREAMING_LIMIT_MS;
    this.clientConfig = { ...DEFAULT_CLIENT_CONFIG, ...(options.clientConfig ?? {}) };
    this.gateway = new WsGateway(this.apps, () => this.clientConfig, options.ticketTtlMs ?? 60_000);
    this.delivery = new EventDelivery(this.gateway, () => this.options.ackTimeoutMs ?? 3000);
    for (const name of ['connection', 'ready', 'disconnect', 'ping'] as const) {
      this.gateway.on(name, (c: { appId: string; id: string }) => this.emit(name, { appId: c.appId, id: c.id }));
    }
    this.gateway.on('protocolError', (e: { appId: string; error: Error }) => {
      this.protocolErrors.push(e);
      this.emit('protocolError', e);
    });
    for (const name of ['ack', 'timeout', 'redelivery'] as const) this.delivery.on(name, (x: unknown) => this.emit(name, x));
  }

  /** Listen on 127.0.0.1 on a free port. */
  async start(): Promise<void> {
    const deps: ApiDeps = {
      apps: this.apps,
      faults: this.faults,
      limiter: this.limiter,
      store: this.store,
      reactions: this.reactions,
      clientConfig: () => this.clientConfig,
      cardTableLimit: () => this.options.cardTableLimit ?? 5,
      issueWsUrl: (appId) => this.gateway.issueUrl(appId, this.http.url.replace(/^http/, 'ws')),
      connectionCount: (appId) => this.gateway.connections(appId).length,
      onSent: (m) => {
        this.sent.push(m);
        this.emit('sent', m);
      },
      cards: this.cardStore,
      changes: this.messageChanges,
      onChange: (c) => this.emit('changed', c),
    };
    const server = createEmulatorServer(
      deps,
      this.gateway,
      (e) => {
        this.requests.push(e);
        this.emit('request', e);
      },
      (router) => registerResourceRoutes(router, deps, this.resources),
    );
    await this.http.start(server);
  }

  /** Base URL to give the SDK as `domain`, e.g. `http://127.0.0.1:41234`. */
  get url(): string {
    return this.http.url;
  }

  /** Close every socket and the server. */
  async stop(): Promise<void> {
    this.delivery.close();
    this.gateway.closeAll();
    await this.http.stop();
  }

  /** Register an app (several may coexist). */
  addApp(opts: AppOptions): AppInfo {
    const a = this.apps.add(opts);
    return { appId: a.appId, botOpenId: a.botOpenId, botName: a.botName, tenantKey: a.tenantKey, verificationToken: a.verificationToken };
  }

  /** Revoke the app's tenant tokens: the next API call with one gets 99991663. */
  expireTokens(appId: string): void {
    this.apps.require(appId);
    this.apps.expireTokens(appId);
  }

  /** Cap the app's live long connections (Feishu: 50). Refused at the WS handshake (514 + 1000040350)
   * by default, or at the endpoint call (code 1000040350) with `stage: 'endpoint'`. */
  setConnectionLimit(appId: string, n: number, stage: 'handshake' | 'endpoint' = 'handshake'): void {
    const app = this.apps.require(appId);
    app.connectionLimit = n;
    app.connectionLimitStage = stage;
  }

  /** Override the ClientConfig sent by the endpoint and in every pong (seconds). */
  setClientConfig(cfg: Partial<ClientConfig>): void {
    this.clientConfig = { ...this.clientConfig, ...cfg };
  }

  /** Make the next `times` calls of an API fail with `code` (see FailRule for defaults). */
  failNext(rule: FailRule): void {
    this.faults.failNext(rule);
  }

  /** Delay every answer of `api` by `ms`. */
  setLatency(api: ApiName, ms: number): void {
    this.faults.setLatency(api, ms);
  }

  /** Switch the 5 QPS per chat (230020) and 50 QPS per app (HTTP 429, 99991400) limits on or off. */
  enforceRateLimits(on: boolean): void {
    this.limiter.enabled = on;
  }

  /** The bot leaves `chatId`: sends and replies there get 230002. */
  removeBotFromChat(appId: string, chatId: string): void {
    this.apps.require(appId).chatsWithoutBot.add(chatId);
  }

  /** The user is outside the bot's availability: sends to them get 230013. */
  setUserUnavailable(appId: string, userId: string): void {
    this.apps.require(appId).unavailableUsers.add(userId);
  }

  /** Recall a message: replies get 230011, reactions 231003. */
  recallMessage(messageId: string): void {
    this.store.recall(messageId);
  }

  /** Number of live long connections of the app. */
  connections(appId: string): number {
    return this.gateway.connections(appId).length;
  }

  /** Details of the app's live connections (ids, pings received, ready = first ping seen). */
  connectionInfo(
    appId: string,
  ): Array<{ id: string; deviceId: string; serviceId: number; pings: number; ready: boolean; connectedAt: number }> {
    return this.gateway
      .connections(appId)
      .map(({ id, deviceId, serviceId, pings, ready, connectedAt }) => ({ id, deviceId, serviceId, pings, ready, connectedAt }));
  }

  /**
   * Resolve once the app has at least `n` ready connections (handshake done and the client's first ping
   * received, i.e. the SDK is listening for frames).
   */
  waitForConnections(appId: string, n = 1, timeoutMs = 5000): Promise<void> {
    const ready = (): number => this.gateway.connections(appId).filter((c) => c.ready).length;
    return until(this, () => ready() >= n, ['ready'], timeoutMs, `${n} ready connection(s) of ${appId}`);
  }

  /** Abruptly close the app's WebSockets (TCP reset); returns how many were dropped. */
  dropConnections(appId: string): number {
    return this.gateway.drop(appId);
  }

  /** Build an im.message.receive_v1 schema 2.0 event; the message becomes known (reply/reactions work). */
  message(input: MessageEventInput): SchemaV2Event {
    const { event, stored } = buildMessageEvent(this.apps.require(input.appId), input);
    this.store.put(stored);
    return event;
  }

  /** Deliver an event over a long connection; resolves with the SDK's ack, rejects on timeout. */
  pushEvent(appId: string, event: unknown, opts: PushOptions = {}): Promise<AckResult> {
    this.apps.require(appId);
    const id = (event as SchemaV2Event).header?.event_id;
    if (id) this.events.set(id, event);
    return this.delivery.push(appId, event, opts);
  }

  /** Deliver an already pushed event again (same payload: same event_id and message_id). */
  redeliver(eventOrId: string | SchemaV2Event, opts: PushOptions = {}): Promise<AckResult> {
    const event = typeof eventOrId === 'string' ? this.events.get(eventOrId) : eventOrId;
    if (!event) return Promise.reject(new Error(`unknown event ${String(eventOrId)}`));
    const appId = (event as SchemaV2Event).header.app_id;
    const attempts = this.delivery.deliveries.filter((d) => d.eventId === (event as SchemaV2Event).header.event_id).length;
    return this.delivery.push(appId, event, opts, attempts + 1);
  }

  /** How long cards stream before Feishu turns `streaming_mode` off by itself (Feishu: 10 minutes). */
  setCardStreamingLimit(ms: number): void {
    this.cardStreamingLimitMs = ms;
  }

  /** Every edit (`PATCH`/`PUT`) and recall (`DELETE`) of a sent message, in order (event 'changed'). */
  get changes(): readonly MessageChange[] {
    return this.messageChanges.list;
  }

  /** The CardKit card entities created so far (streaming turned off once its time limit passed). */
  get cards(): CardEntity[] {
    return this.cardStore.all();
  }

  /** A card entity by id, or the one sent in message `messageId`. */
  card(id: string): CardEntity | undefined {
    return this.cardStore.get(id) ?? this.cardStore.all().find((c) => c.messageId === id);
  }

  /** The text a user sees in message `messageId`: the markdown/plain_text of its card (entity or not), or its text. */
  shownText(messageId: string): string | undefined {
    const m = this.store.get(messageId);
    if (!m) return undefined;
    const content = JSON.parse(m.rawContent) as Record<string, unknown>;
    const card = content.type === 'card' ? this.card(messageId)?.card : m.msgType === 'interactive' ? content : undefined;
    if (card) return textsOf((card.body as { elements?: unknown } | undefined)?.elements).join('\n');
    if (m.msgType === 'text') return String(content.text ?? '');
    return m.rawContent;
  }

  /** The content message `messageId` has now (after edits), parsed; undefined for a message never sent. */
  currentContent(messageId: string): unknown {
    const m = this.store.get(messageId);
    return m ? JSON.parse(m.rawContent) : undefined;
  }

  /** Whether message `messageId` was recalled. */
  recalled(messageId: string): boolean {
    return this.store.get(messageId)?.recalled === true;
  }

  /** Files and images the bot uploaded, in order. */
  get uploads(): readonly Resource[] {
    return this.resources.uploads;
  }

  /** A file or image a user sends: its bytes become downloadable from a message whose content names the key it returns. */
  userFile(appId: string, bytes: Buffer, meta: { kind: 'image' | 'file'; mime: string; name?: string }): string {
    this.apps.require(appId);
    return this.resources.add({ appId, ...meta, bytes, uploaded: false }).key;
  }

  /** The bytes behind an image or file key. */
  resource(key: string): Resource | undefined {
    return this.resources.byKey.get(key);
  }

  /** The buttons of a card the bot sent. */
  buttons(messageId: string): CardButton[] {
    const m = this.store.get(messageId);
    return m ? buttonsOf(m) : [];
  }

  /**
   * A user clicks the button labelled `label` on the bot's card `messageId`: the callback goes over the
   * long connection (an `event` or a `card` frame) or to a webhook, and resolves with what the user sees.
   */
  click(input: {
    appId: string;
    messageId: string;
    label: string;
    operatorOpenId: string;
    route?: CallbackRoute;
  }): Promise<CallbackOutcome> {
    const m = this.store.get(input.messageId);
    if (!m || m.appId !== input.appId) throw new Error(`no message ${input.messageId} of ${input.appId}`);
    const button = buttonsOf(m).find((b) => b.label === input.label);
    if (!button)
      throw new Error(
        `no button "${input.label}" on ${input.messageId} (has ${buttonsOf(m)
          .map((b) => b.label)
          .join(', ')})`,
      );
    const event = cardActionEvent(this.apps.require(input.appId), m, input.operatorOpenId, button.value);
    return this.callback(event, input.route);
  }

  /** A card callback event (e.g. a forged or replayed one), delivered as Feishu does, judged as the user sees it. */
  async callback(event: SchemaV2Event, route: CallbackRoute = { via: 'event' }): Promise<CallbackOutcome> {
    const started = Date.now();
    const outcome = (code: number, answer?: unknown): CallbackOutcome => ({ code, answer, latencyMs: Date.now() - started, event });
    if (route.via === 'webhook') {
      if (route.verificationToken) event.header.token = route.verificationToken;
      const res = await this.postWebhook(route.url, event, {
        ...(route.encryptKey ? { encryptKey: route.encryptKey } : {}),
        timeoutMs: CALLBACK_DEADLINE_MS,
      }).catch(() => undefined);
      if (!res || res.status !== 200 || Date.now() - started > CALLBACK_DEADLINE_MS) return outcome(CallbackCodes.timeout, res?.json);
      return outcome(judgeAnswer(res.json), res.json);
    }
    try {
      const ack = await this.pushEvent(event.header.app_id, event, { type: route.via, timeoutMs: CALLBACK_DEADLINE_MS });
      if (ack.code !== 200) return outcome(CallbackCodes.timeout);
      if (ack.frameType !== route.via)
        this.protocolErrors.push({ appId: ack.appId, error: new Error(`a ${route.via} frame was answered as ${ack.frameType}`) });
      return outcome(judgeAnswer(ack.data), ack.data);
    } catch (err) {
      if (err instanceof AckTimeoutError) return outcome(CallbackCodes.timeout);
      throw err;
    }
  }

  /** A bot-menu click (`application.bot.menu_v6`) by `operatorOpenId` on the item `eventKey`. */
  menu(appId: string, operatorOpenId: string, eventKey: string): SchemaV2Event {
    return menuEvent(this.apps.require(appId), operatorOpenId, eventKey);
  }

  /** A user's reaction added or removed (`im.message.reaction.created_v1` / `deleted_v1`). */
  reactionEvent(appId: string, input: Parameters<typeof reactionEvent>[1]): SchemaV2Event {
    return reactionEvent(this.apps.require(appId), input);
  }

  /** The bot added to or removed from a group (`im.chat.member.bot.added_v1` / `deleted_v1`). */
  botMemberEvent(appId: string, input: Parameters<typeof botMemberEvent>[1]): SchemaV2Event {
    const app = this.apps.require(appId);
    if (input.added) app.chatsWithoutBot.delete(input.chatId);
    else app.chatsWithoutBot.add(input.chatId);
    return botMemberEvent(app, input);
  }

  /** A user opened the bot's direct chat. */
  p2pEnteredEvent(appId: string, input: Parameters<typeof p2pEnteredEvent>[1]): SchemaV2Event {
    return p2pEnteredEvent(this.apps.require(appId), input);
  }

  /** A user recalls their message: replies and reactions then fail, and the event says so. */
  recalledEvent(appId: string, messageId: string): SchemaV2Event {
    const m = this.store.get(messageId);
    if (!m) throw new Error(`no message ${messageId}`);
    this.store.recall(messageId);
    return recalledEvent(this.apps.require(appId), { messageId, chatId: m.chatId });
  }

  /** Every delivery attempt with its ack (or timeout). */
  get deliveries(): readonly DeliveryRecord[] {
    return this.delivery.deliveries;
  }

  /** Resolve with the next ack matching `pred` (e.g. a redelivery). */
  waitForAck(pred: (a: AckResult) => boolean = () => true, timeoutMs = 5000): Promise<AckResult> {
    return nextEvent(this, 'ack', pred, timeoutMs);
  }

  /** POST an event to a webhook URL as Feishu does (optionally encrypted and signed). */
  postWebhook(url: string, event: unknown, opts: WebhookOptions = {}): Promise<WebhookResponse> {
    const { body, headers } = buildWebhookRequest(event, opts);
    return postJson(url, body, headers, opts.timeoutMs);
  }

  /** Send the URL-verification challenge; `ok` tells whether the answer echoed it. */
  async urlVerification(url: string, opts: WebhookOptions = {}): Promise<WebhookResponse & { challenge: string; ok: boolean }> {
    const challenge = hex(18);
    const payload = { challenge, token: opts.verificationToken ?? '', type: 'url_verification' };
    const res = await this.postWebhook(url, payload, opts);
    const echoed = (res.json as { challenge?: unknown } | undefined)?.challenge;
    return { ...res, challenge, ok: res.status === 200 && echoed === challenge };
  }
}

/** The contents of the markdown and plain_text elements of a card body, in order. */
function textsOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(textsOf);
  if (typeof v !== 'object' || v === null) return [];
  const e = v as Record<string, unknown>;
  const own = (e.tag === 'markdown' || e.tag === 'plain_text') && typeof e.content === 'string' ? [e.content] : [];
  return [...own, ...Object.entries(e).flatMap(([k, x]) => (k !== 'content' && typeof x === 'object' ? textsOf(x) : []))];
}

/** Public types of the Feishu emulator. */

/** An app registered with {@link FeishuEmulator.addApp}. */
export interface AppOptions {
  /** `cli_` + 16 hex; the SDK's WSClient refuses anything else. */
  appId: string;
  appSecret: string;
  /** The bot's open_id (GET /open-apis/bot/v3/info). Generated when omitted. */
  botOpenId?: string;
  /** Shown as `bot.app_name`. Default "Test Bot". */
  botName?: string;
  /** Token lifetime in seconds (Feishu: 7200). */
  tokenTtlSeconds?: number;
  /** Verification token put in `header.token` of events. Generated when omitted. */
  verificationToken?: string;
}

/** The long-connection client config the server hands out (seconds, as on the wire). */
export interface ClientConfig {
  ReconnectCount: number;
  ReconnectInterval: number;
  ReconnectNonce: number;
  PingInterval: number;
}

/** Names of the APIs that fault injection and latency target. */
export type ApiName =
  'create' | 'reply' | 'reaction' | 'token' | 'endpoint' | 'botInfo' | 'upload' | 'resource' | 'getMessage' | CardApiName;

/** The CardKit and message-edit APIs (`cardkit.ts`, `message-edit-api.ts`). */
export type CardApiName = 'cardCreate' | 'cardContent' | 'cardSettings' | 'cardUpdate' | 'messagePatch' | 'messageUpdate' | 'messageDelete';

/** One queued injected failure. */
export interface FailRule {
  api: ApiName;
  /** How many calls fail (default 1). */
  times?: number;
  code: number;
  /** Defaults: 429 for 99991400, 200 for token/endpoint, else 400. */
  httpStatus?: number;
  /** Defaults to the catalogue message for known codes. */
  msg?: string;
  /** Adds `x-ogw-ratelimit-reset` (and `x-ogw-ratelimit-limit`) headers. Default 1 for 99991400. */
  resetSeconds?: number;
}

/** A message the emulator accepted from create or reply. */
export interface SentMessage {
  appId: string;
  kind: 'create' | 'reply';
  /** For create: the `receive_id_type` query parameter. */
  receiveIdType?: string;
  /** For create: the `receive_id` body field. */
  receiveId?: string;
  /** For reply: the message replied to. */
  replyTo?: string;
  msgType: string;
  /** `content` parsed from its JSON string. */
  content: unknown;
  /** Raw `content` string as sent. */
  rawContent: string;
  uuid?: string;
  replyInThread?: boolean;
  messageId: string;
  chatId: string;
  rootId?: string;
  parentId?: string;
  threadId?: string;
  createTime: number;
}

/** A reaction added (and possibly removed) through the API. */
export interface ReactionRecord {
  appId: string;
  messageId: string;
  reactionId: string;
  emojiType: string;
  createdAt: number;
  deletedAt?: number;
}

/** One HTTP request the emulator answered. */
export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  api?: ApiName | 'appToken' | 'reactionDelete';
  appId?: string;
  status: number;
  /** Feishu `code` of the JSON answer (undefined for non-JSON answers). */
  code?: number;
  at: number;
}

/** What the SDK answered to one delivered event (the ack data frame). */
export interface AckResult {
  appId: string;
  /** Index of the connection the event went over (0-based, in connect order of live sockets). */
  connection: number;
  connectionId: string;
  /** `code` from the ack payload JSON: 200 success, 500 handler threw. */
  code: number;
  /** `data` from the ack payload, decoded from base64 JSON when possible. */
  data?: unknown;
  /** Raw ack payload object. */
  payload: Record<string, unknown>;
  /** Frame `message_id` header (per delivery). */
  frameMessageId: string;
  /** `header.event_id` of the event. */
  eventId?: string;
  /** `biz_rt` header the SDK added, if any. */
  bizRt?: string;
  /** The `type` header of the ack frame (the SDKs echo the delivered frame's headers). */
  frameType?: string;
  /** 1 for the first delivery, 2.. for redeliveries. */
  attempt: number;
  latencyMs: number;
}

/** Options of {@link FeishuEmulator.pushEvent}. */
export interface PushOptions {
  /** Split the payload into this many data frames (same message_id, seq 0..n-1). */
  fragments?: number;
  /** Connection index to use; default round robin over the app's live connections. */
  connection?: number;
  /** Ack timeout in ms (default: emulator `ackTimeoutMs`, 3000 like Feishu). */
  timeoutMs?: number;
  /** Redeliver when the ack is missing or not 200: after `afterMs`, up to `times` more attempts. */
  redeliverUnacked?: { afterMs: number; times: number };
  /** Drop the connection (TCP reset) right after sending this many fragments: a socket lost mid-event. */
  dropAfterFragments?: number;
  /** Frame `type` header: "event" (default) or "card". */
  type?: 'event' | 'card';
}

/** Arguments of {@link FeishuEmulator.message}. */
export interface MessageEventInput {
  appId: string;
  chatId: string;
  chatType: 'p2p' | 'group';
  senderOpenId: string;
  senderUnionId?: string;
  senderUserId?: string;
  senderType?: 'user' | 'app';
  messageType: string;
  /** Object (serialised) or an already-serialised JSON string. */
  content: unknown;
  mentions?: Array<{ key: string; openId: string; name: string; unionId?: string; userId?: string }>;
  parentId?: string;
  rootId?: string;
  threadId?: string;
  messageId?: string;
  eventId?: string;
  createTime?: number;
}

/** Options of the emulator constructor. */
export interface EmulatorOptions {
  /** Config returned by the endpoint and in every pong. Default Feishu's: -1 / 120 / 30 / 120. */
  clientConfig?: Partial<ClientConfig>;
  /** Default ack timeout for pushEvent (Feishu waits 3 s). */
  ackTimeoutMs?: number;
  /** Max tables per card before 230099/11310 (the limit is not documented; default 5). */
  cardTableLimit?: number;
  /** Lifetime of a WebSocket ticket from the endpoint call, ms (default 60 000). */
  ticketTtlMs?: number;
  /** How long a card streams before Feishu turns `streaming_mode` off by itself, ms (default 10 minutes). */
  cardStreamingLimitMs?: number;
}

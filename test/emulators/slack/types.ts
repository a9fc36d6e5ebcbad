/** Public types of the Slack emulator. */

export interface EmulatorOptions {
  /** How long Slack waits for an envelope's ack before it counts as failed (Slack: 3 s). */
  ackTimeoutMs?: number;
  /** Waits before each retry of an unacknowledged event; its length is the number of retries (Slack: about 3: at once, 1 min, 5 min). */
  retryDelaysMs?: number[];
  /** Interval of the server's WebSocket pings. */
  pingIntervalMs?: number;
  /** Live Socket Mode connections per app before `too_many_websockets` (Slack: 10). */
  maxConnectionsPerApp?: number;
  /** Lifetime of a URL from apps.connections.open. */
  ticketTtlMs?: number;
  /** After a `disconnect` message, how long the server waits for the client to close before closing itself. */
  disconnectGraceMs?: number;
  /** Deliver the bot's own posts back as `message` events, as Slack does (default true). */
  echoBotMessages?: boolean;
  /** How long after chat.startStream Slack closes a stream by itself (`message_not_in_streaming_state`); default 10 min. */
  streamTimeoutMs?: number;
  /** The workspace's message edit window: chat.update of an older message answers `edit_window_closed`. Default: none. */
  editWindowMs?: number;
  /** The largest file files.getUploadURLExternal accepts (`file_upload_size_restricted`); Slack: 1 GB. */
  maxUploadBytes?: number;
  /** How long an upload URL from files.getUploadURLExternal stays valid (default 10 min). */
  uploadUrlTtlMs?: number;
  /**
   * Rate limits per app and method, enforced with HTTP 429 and `Retry-After` (calls per window). Default:
   * Slack's tiers per minute for the methods of streams, edits, reactions and files (see README); give
   * `{}` to turn them off, or smaller windows to hit them in a test.
   */
  rateLimits?: Partial<Record<ApiMethod, { limit: number; windowMs: number }>>;
}

export interface AppOptions {
  /** The bot's display name. */
  name?: string;
  /** Bot token scopes; default: every scope the gateway's setup page lists (and `assistant:write` for an assistant). */
  scopes?: string[];
  /** Agents & AI Apps is enabled for the app: assistant.threads.setStatus works in its DMs. */
  assistant?: boolean;
}

/** A registered app with its credentials, as a workspace admin would copy them. */
export interface AppInfo {
  appId: string;
  appToken: string;
  botToken: string;
  botUserId: string;
  botId: string;
  teamId: string;
  name: string;
}

export interface UserOptions {
  /** A fixed id (U...); default a random one. */
  id?: string;
  name: string;
  realName?: string;
  displayName?: string;
}

export interface ChannelOptions {
  /** A fixed id; default a random one with the kind's prefix (C public, G private and mpim, D im). */
  id?: string;
  name?: string;
  /** Default `public`. */
  kind?: 'public' | 'private' | 'im' | 'mpim';
  /** User ids (bot user ids included) in the channel. */
  members?: string[];
}

export interface SlackFileInput {
  id?: string;
  name: string;
  mimetype: string;
  /** The file's bytes, served at its `url_private` (default: a few bytes derived from its name). */
  bytes?: Buffer;
}

/** A person posting a message (the emulator stores it and sends the events Slack would). */
export interface PostInput {
  channel: string;
  user: string;
  text?: string;
  threadTs?: string;
  files?: SlackFileInput[];
  /** Also send a thread reply to the channel (`thread_broadcast`). */
  broadcast?: boolean;
}

/** Web API method names the emulator implements. */
export type ApiMethod =
  | 'auth.test'
  | 'apps.connections.open'
  | 'assistant.threads.setStatus'
  | 'chat.appendStream'
  | 'chat.delete'
  | 'chat.postMessage'
  | 'chat.startStream'
  | 'chat.stopStream'
  | 'chat.update'
  | 'conversations.open'
  | 'conversations.replies'
  | 'files.completeUploadExternal'
  | 'files.getUploadURLExternal'
  | 'files.info'
  | 'reactions.add'
  | 'reactions.remove'
  | 'users.info';

/**
 * An injected failure for the next `times` calls of `method`: a Slack error (`{ok:false,error}`, HTTP 200),
 * an HTTP status (429 comes with `Retry-After: retryAfter`), or a dropped connection (no answer).
 */
export interface FailRule {
  method: ApiMethod;
  times?: number;
  error?: string;
  status?: number;
  /** Seconds, for 429 (default 1). */
  retryAfter?: number;
  drop?: boolean;
  /** The call is carried out, then the connection is dropped before the answer: the client cannot tell it happened. */
  lostAnswer?: boolean;
}

/** A message the bot posted (chat.postMessage, chat.startStream, or a file share by files.completeUploadExternal). */
export interface PostedMessage {
  /** The method that created it. */
  via: 'chat.postMessage' | 'chat.startStream' | 'files.completeUploadExternal';
  appId: string;
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  /** thread_ts as the client sent it. */
  threadTs?: string;
  /** The thread the message landed in (the parent's ts). */
  threadRoot?: string;
  mrkdwn: boolean;
  args: Record<string, unknown>;
}

/** One answered Web API request. */
export interface RequestRecord {
  method: string;
  httpStatus: number;
  ok: boolean;
  error?: string;
  tokenKind?: 'bot' | 'app';
  appId?: string;
  contentType: string;
  args: Record<string, unknown>;
  at: number;
}

/** One attempt at delivering an envelope (an event, an interaction, a slash command). */
export interface DeliveryRecord {
  /** The envelope type: `events_api`, `interactive` or `slash_commands`. */
  type: EnvelopeType;
  /** What identifies the delivery across retries: the event_id, or an interaction's trigger_id. */
  eventId: string;
  /** The event type (`message`), the interaction type (`block_actions`) or the command (`/deploy`). */
  eventType: string;
  /** The event's `ts` (a message's ts), when it has one. */
  eventTs?: string;
  envelopeId: string;
  appId: string;
  connectionId?: string;
  retryAttempt: number;
  sentAt: number;
  outcome: 'pending' | 'acked' | 'timeout' | 'no_connection' | 'closed';
  ackPayload?: unknown;
}

export type EnvelopeType = 'events_api' | 'interactive' | 'slash_commands';

/** How the delivery of one event ended. */
export interface DeliveryOutcome {
  eventId: string;
  appId: string;
  acked: boolean;
  attempts: number;
  envelopeIds: string[];
}

export interface PushOptions {
  retryDelaysMs?: number[];
  ackTimeoutMs?: number;
}

/** Status set by assistant.threads.setStatus, by conversation and thread. */
export interface AssistantStatus {
  appId: string;
  channel: string;
  threadTs: string;
  status: string;
  at: number;
}

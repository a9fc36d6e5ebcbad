import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { Button, MediaKind, MediaReply, MediaRequest, OutboundEnvelope, StatusState } from '../contract/schemas';
import type { Capabilities } from './capabilities';
import type { Draft } from './drafts';
import type { ApiVersion } from './version';

export type { ActionDraft, CommandDraft, Draft, InboundDraft, MemberDraft, ReactionDraft, RecallDraft } from './drafts';

/**
 * JSON Schema of a plugin's own keys in its YAML entry (core keys such as `account` are not part of it).
 * Write it with TypeBox's `Type.Object({...})` (exported from `chat-gateway/plugin`) and the options
 * type follows from it ({@link OptionsOf}); a plain JSON Schema object works too, untyped. A key with a
 * `default` may be left out of the YAML: core fills it in before the adapter sees the options.
 */
export type OptionsSchema = Record<string, unknown> & { type: 'object' };

/** The options an adapter receives for a schema written with TypeBox (defaults filled in). */
export type OptionsOf<S> = S extends TSchema ? Static<S> : Record<string, unknown>;

/** A problem with a plugin entry's options: the key (relative to the entry), what is wrong, how to fix it. */
export interface OptionProblem {
  key: string;
  message: string;
  hint?: string;
}

/** What became of a published message or event. Only `stored` and `duplicate` mean it is safely in NATS. */
export type PublishOutcome = 'stored' | 'duplicate' | 'denied' | 'ignored';

export interface PublishResult {
  outcome: PublishOutcome;
  /** The envelope id (`<channel>:<account>:<messageId>`). */
  id: string;
  /** Why it was denied (access rules, a refused button) or ignored (a bot, a kind the instance does not publish). */
  reason?: string;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Routes on the gateway's HTTP server. Paths are mounted under `/<channel>/<account>`. */
export interface HttpRoutes {
  /** Adds a route and returns the full path it is served at (e.g. `/feishu/default/events`). */
  route(method: string, path: string, handler: RouteHandler): string;
  /** Takes WebSocket (or other) upgrade requests on a path; returns the full path. */
  upgrade(path: string, handler: UpgradeHandler): string;
  /** The server's base URL as configured (`http://127.0.0.1:8080`). */
  readonly baseUrl: string;
}

/** Everything core gives one plugin instance; injected into the adapter under the `Context` token. */
export interface PluginContext {
  readonly channel: string;
  readonly account: string;
  /** A pino child logger bound to `{ channel, account }`; secrets are redacted. */
  readonly logger: Logger;
  /**
   * Hands an inbound message or event to core; resolves once it is stored in NATS (or dropped by access
   * rules, or not among the instance's `events`). Rejects when NATS is unavailable: let the platform
   * redeliver. Answer the platform (ack, callback response) only after it resolved.
   */
  publish(draft: Draft): Promise<PublishResult>;
  /** Reports a connection state change (status subject and KV). */
  status(state: StatusState, detail?: string): void;
  readonly http: HttpRoutes;
  /** Aborted when the instance stops: end loops and pending requests. */
  readonly signal: AbortSignal;
  /**
   * Runs `hold` only on the one gateway replica that holds this instance's exclusive `role` (a lease in
   * NATS; `role` is 1-64 characters of `A-Z a-z 0-9 _ -`). For platforms that allow a single receiver per
   * bot, such as a long-poll loop: with several replicas one receives and the others stand by, and one of
   * them takes over within seconds when the holder stops or dies. `signal` is aborted when the role moves
   * to another replica or the instance stops; `hold` should run until then and end promptly after. Alone,
   * a gateway gets the role at once. Returns immediately. Plugin API 1.1.
   */
  exclusive(role: string, hold: (signal: AbortSignal) => Promise<void>): void;
  /**
   * A small durable key-value store of this instance, in NATS: shared by every replica and kept across
   * restarts for 24 hours after the last write of a key. For what a retry on another replica or after a
   * crash must know, such as how many pieces of a split message already went out. Any string is a key;
   * values are strings up to 64 KiB. Calls reject when NATS is unavailable. Plugin API 1.1.
   */
  readonly store: PluginStore;
  /**
   * The media bucket (`<prefix>_media`), for a plugin that holds files itself (the web chat keeps
   * visitors' uploads there and serves agents' attachments from it). Plugin API 1.2.
   */
  readonly media: PluginMedia;
}

/** `ctx.media`: see {@link PluginContext.media}. */
export interface PluginMedia {
  /**
   * Stores bytes under a name of this instance (`<channel>/<account>/...`) and returns it; over
   * `media.maxBytes` it rejects with `E_TOO_LARGE` and keeps nothing.
   */
  put(body: AsyncIterable<Uint8Array> | Uint8Array, meta: { name?: string; mime?: string; kind?: MediaKind }): Promise<MediaFile>;
  /** An object of the bucket by name, or undefined when there is none (or it expired). */
  get(object: string): Promise<MediaFile | undefined>;
}

/**
 * An object of the media bucket, to plugins and agents alike: what a media fetch reply says of it
 * (`object`, `size`, `mime`, `digest`, `name`) and its bytes.
 */
export interface MediaObject extends Omit<Extract<MediaReply, { ok: true }>, 'ok'> {
  /** The bytes, streamed from NATS. */
  stream(): AsyncIterable<Uint8Array>;
}

/** A file in the media bucket. */
export interface MediaFile extends MediaObject {
  kind: MediaKind;
  /** The bytes, all at once (files are at most `media.maxBytes`). */
  read(): Promise<Buffer>;
}

/** What `fetchMedia()` returns: the bytes as the platform sends them, and what it says about them. */
export interface MediaDownload {
  body: AsyncIterable<Uint8Array>;
  mime?: string;
  /** Bytes, when the platform says (Content-Length): a download that ends short of it is refused. */
  size?: number;
  name?: string;
}

/** `ctx.store`: see {@link PluginContext.store}. */
export interface PluginStore {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Details of one delivery attempt. */
export interface SendInfo {
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborted when the gateway stops; abandon the call (it will be retried later). */
  signal: AbortSignal;
  /**
   * The envelope's sequence in the outbound stream: it grows with every envelope agents publish for this
   * account, in publish order, and stays the same when the envelope is delivered again. A platform's
   * strictly increasing sequence (CardKit) can be taken from it, so a repeated frame is recognised.
   */
  sequence: number;
  /**
   * This process's term of sending for the account: it changes whenever the process starts sending for
   * it (it took the account's outbound lease, at start or from another replica). Within one term no other
   * replica sends for the account, so what the adapter learnt in memory about its own sends (a typing
   * indicator it set or cleared) still holds. Absent when core sends outside the outbound queue (a
   * pairing code) and on gateways older than this field: then trust nothing kept across calls.
   */
  term?: number;
  /** The buttons to put under the message (1.2), each with the `token` the platform must carry back on a click. */
  actions: ActionButton[];
  /** The envelope's attachments, from the media bucket (1.2). */
  attachments: MediaFile[];
}

/** A button to render: the agent's `id`, `label` and `style`, and the token to put in the platform's callback data (its `value` stays with core). */
export interface ActionButton extends Omit<Button, 'value'> {
  style: NonNullable<Button['style']>;
  /** At most 24 characters of `A-Z a-z 0-9 _ -`: fits every platform's callback data. */
  token: string;
}

/** What a successful `send()` returns. */
export interface SendResult {
  /** Platform ids of the messages created (several when a long text was split). */
  messageIds: string[];
  /**
   * The plugin's own state of the message, JSON-serialisable (a card id, a stream's sequence, what was
   * sent): kept by core with the message and given back to `edit()`/`delete()`, on any replica.
   */
  handle?: unknown;
}

/** A message this account sent, as core remembers it: what `edit()` and `delete()` act on (1.2). */
export interface SentMessage {
  /** The id of the envelope that created it. */
  envelope: string;
  /** Platform ids of what it created. */
  messageIds: string[];
  /** Where it went: the creating envelope's target. */
  conversation?: string;
  replyTo?: string;
  /** Opened with `stream: true`, and its final frame has not gone out yet. */
  streaming: boolean;
  /** What `send()` (or the last `edit()`) returned as `handle`. */
  handle?: unknown;
}

/** What a successful `edit()` returns: the new `handle`, when it changed. */
export interface EditResult {
  handle?: unknown;
  /**
   * The platform messages the message is from now on, when the edit changed them: a stream whose
   * platform message exists only once its final frame is sent (Telegram's drafts), or a final frame
   * split in several messages.
   */
  messageIds?: string[];
}

/** What `react()` is asked to do. */
export interface ReactionRequest {
  messageId: string;
  /** A neutral name (`thumbsup`, `eyes`, `check`, `cross`, `heart`, `done`...) or the platform's own. */
  emoji: string;
  remove: boolean;
}

/** The class a plugin provides. Resolved by DI once per configured instance. */
export interface ChannelAdapter {
  /** Connects. Resolve when ready to receive and send; throw a clear error otherwise. */
  start(): Promise<void>;
  /** Delivers one outbound envelope. Throw `DeliveryError` to say whether a retry can help. */
  send(envelope: OutboundEnvelope, info: SendInfo): Promise<SendResult>;
  /** Disconnects cleanly; core gives it `lifecycle.stopTimeout` to finish. */
  stop(): Promise<void>;
  /**
   * Replaces the content of `target` with the envelope's `text`/`format`/`actions` (a full snapshot);
   * for a stream, the next frame, the last when `envelope.done`. Declared by `capabilities.edit` or
   * `capabilities.streaming` (1.2).
   */
  edit?(envelope: OutboundEnvelope, target: SentMessage, info: SendInfo): Promise<EditResult | void>;
  /** Recalls `target`. Declared by `capabilities.delete` (1.2). */
  delete?(target: SentMessage, info: SendInfo): Promise<void>;
  /** Sets or removes the bot's reaction. Declared by `capabilities.reactions` (1.2). */
  react?(reaction: ReactionRequest, info: SendInfo): Promise<void>;
  /** Shows the working indicator in a conversation until the next message there. Declared by `capabilities.typing` (1.2). */
  typing?(target: { conversation?: string; replyTo?: string }, info: SendInfo): Promise<void>;
  /**
   * Downloads a media part's bytes from the platform for `chat.media.<channel>.<account>`; core stores
   * them in the media bucket. Throw a `DeliveryError` as `send()` does. Declared by `capabilities.media` (1.2).
   */
  fetchMedia?(request: MediaRequest, info: { signal: AbortSignal }): Promise<MediaDownload>;
}

/** An `@injectable()` adapter class: DI resolves its constructor's arguments, whatever their types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AdapterClass = new (...args: any[]) => ChannelAdapter;

/** A plugin module's default export, made with `definePlugin`. */
export interface PluginManifest<S extends OptionsSchema = OptionsSchema> {
  /** The channel name: `^[A-Za-z0-9_-]{1,64}$`. */
  name: string;
  /**
   * The plugin API the plugin is written for: `1` or `'1.x'` (any 1.x gateway), `'1.2'` (needs 1.2 or
   * later). The major must equal the gateway's; a newer minor than the gateway's is refused at load.
   */
  apiVersion: ApiVersion;
  /** JSON Schema for the plugin's own keys of a YAML entry; with TypeBox, the options type follows. */
  options: S;
  adapter: AdapterClass;
  /** Option names whose values are secrets: scrubbed from every log line. */
  secrets?: ReadonlyArray<keyof OptionsOf<S> & string>;
  /** Checks across options that a schema cannot express (run once the schema passed). */
  validate?: (options: OptionsOf<S>) => OptionProblem[];
  /** What the channel can do beyond text (plugin API 1.2); core degrades the rest. */
  capabilities?: Capabilities;
}

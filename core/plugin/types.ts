import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { InboundEnvelope, OutboundEnvelope, Part, StatusState } from '../contract/schemas';
import type { ApiVersion } from './version';

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

/**
 * What a plugin hands to `ctx.publish()`: the platform message in contract terms. Core adds the
 * envelope id, channel, account, session and version, applies access control, validates and stores it.
 */
export interface InboundDraft {
  /** The platform's message id: stable across redeliveries, it makes the envelope id. */
  messageId: string;
  /** When the platform says the message was sent. Defaults to now. */
  time?: Date | string;
  conversation: InboundEnvelope['conversation'];
  /** `kind` defaults to `user`; messages from bots are skipped by core. */
  sender: Omit<InboundEnvelope['sender'], 'kind'> & Partial<Pick<InboundEnvelope['sender'], 'kind'>>;
  parts: Part[];
  /** Readable text of all parts; defaults to `renderText(parts)`. */
  text?: string;
  /** This bot (or everyone) is mentioned; defaults to a `mention` part with `self: true`. */
  mentioned?: boolean;
  /** The platform id of the message this one answers. */
  replyTo?: string;
  /** The platform event, kept only when the instance sets `includeRaw: true`. */
  raw?: unknown;
  /** A W3C `traceparent` the platform delivered with the event, if any: core continues that trace. */
  traceparent?: string;
}

/** What became of a published message. Only `stored` and `duplicate` mean it is safely in NATS. */
export type PublishOutcome = 'stored' | 'duplicate' | 'denied' | 'ignored';

export interface PublishResult {
  outcome: PublishOutcome;
  /** The envelope id (`<channel>:<account>:<messageId>`). */
  id: string;
  /** Why a message was denied or ignored. */
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
  /** Hands an inbound message to core; resolves once it is stored in NATS (or dropped by access rules). Rejects when NATS is unavailable: let the platform redeliver. */
  publish(draft: InboundDraft): Promise<PublishResult>;
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
}

/** What a successful `send()` returns. */
export interface SendResult {
  /** Platform ids of the messages created (several when a long text was split). */
  messageIds: string[];
}

/** The class a plugin provides. Resolved by DI once per configured instance. */
export interface ChannelAdapter {
  /** Connects. Resolve when ready to receive and send; throw a clear error otherwise. */
  start(): Promise<void>;
  /** Delivers one outbound envelope. Throw `DeliveryError` to say whether a retry can help. */
  send(envelope: OutboundEnvelope, info: SendInfo): Promise<SendResult>;
  /** Disconnects cleanly; core gives it `lifecycle.stopTimeout` to finish. */
  stop(): Promise<void>;
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
}

import type { InboundEnvelope, OutboundEnvelope } from '../contract/schemas';

/** Handles one inbound envelope; the returned promise says when it is done (durable mode acks then). */
export type MessageHandler = (msg: InboundEnvelope) => void | Promise<void>;

/** What went wrong outside a `reply()`/`send()` call: a handler that threw, an invalid envelope, a lost consumer. */
export type ErrorListener = (err: Error, context: { subject?: string; envelopeId?: string }) => void;

/** Which inbound envelopes `onMessage` receives, and how. */
export interface OnMessageOptions {
  /** Only this channel (a plugin name such as `feishu`); default every channel. */
  channel?: string;
  /** Only this account; default every account. */
  account?: string;
  /**
   * Queue group of the core subscription: processes in one group share the messages, each message
   * going to one of them. Default `agents`; `false` gives every process every message.
   * Ignored in durable mode, where processes using the same `durable` share its messages.
   */
  queue?: string | false;
  /**
   * Name of a JetStream durable consumer on the inbound stream. Set it to also receive what arrived
   * while no agent ran: a message is acknowledged after the handler resolved and delivered again
   * (after `redeliveryDelayMs`) when it threw.
   */
  durable?: string;
  /** Durable mode: how long a message whose handler threw waits before it is delivered again. Default 1000. */
  redeliveryDelayMs?: number;
  /**
   * Durable mode, when the consumer is first created: `new` (default) starts with messages that arrive
   * from now on; `all` replays everything the inbound stream still holds (up to `nats.inboundMaxAge`).
   * Later starts always continue where the consumer stopped.
   */
  from?: 'new' | 'all';
}

/** A running `onMessage` subscription. */
export interface AgentSubscription {
  /**
   * Stops taking messages and resolves when the handlers already running have finished. In durable
   * mode, messages received but not yet started go back to the consumer.
   */
  stop(): Promise<void>;
}

/** The body of a reply: a text (with buttons, files), or a native payload, with an optional idempotency key. */
export type ReplyBody = Pick<OutboundEnvelope, 'text' | 'format' | 'native' | 'actions' | 'attachments'> & {
  /** The envelope id (1–64 chars); generated when omitted. */
  id?: string;
};

/** How `reply()` and `send()` publish. */
export interface SendOptions {
  /**
   * The W3C `traceparent` to publish the envelope with (a NATS header). Default: the trace of the
   * message being replied to or handled. Give your own span's when the agent records spans itself.
   */
  traceparent?: string;
}

/** An outbound envelope whose `id` may be left to the client to generate. */
export type OutboundDraft = Omit<OutboundEnvelope, 'id'> & { id?: string };

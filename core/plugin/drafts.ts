import type { InboundEnvelope, InboundMember, Part } from '../contract/schemas';

/** What every draft says about where it happened and who did it. */
interface DraftCommon {
  conversation: InboundEnvelope['conversation'];
  /** `kind` defaults to `user`; messages and events from bots are skipped by core. */
  sender: Omit<InboundEnvelope['sender'], 'kind'> & Partial<Pick<InboundEnvelope['sender'], 'kind'>>;
  /** When the platform says it happened. Defaults to now. */
  time?: Date | string;
  /** The platform event, kept only when the instance sets `includeRaw: true`. */
  raw?: unknown;
  /** A W3C `traceparent` the platform delivered with the event, if any: core continues that trace. */
  traceparent?: string;
}

/**
 * A message, as a plugin hands it to `ctx.publish()`: the platform message in contract terms. Core adds
 * the envelope id, channel, account, session and version, applies access control, validates and stores it.
 */
export interface InboundDraft extends DraftCommon {
  kind?: 'message';
  /** The platform's message id: stable across redeliveries, it makes the envelope id. */
  messageId: string;
  parts: Part[];
  /** Readable text of all parts; defaults to `renderText(parts)`. */
  text?: string;
  /** This bot (or everyone) is mentioned; defaults to a `mention` part with `self: true`. */
  mentioned?: boolean;
  /** The platform id of the message this one answers. */
  replyTo?: string;
}

/** What an event draft has besides the common fields: the platform's key for the event. */
interface EventCommon extends DraftCommon {
  /**
   * The platform's id of this event, stable across its redeliveries (Feishu event id or callback token,
   * Slack envelope id, Telegram update id): it makes the envelope id `<channel>:<account>:<eventKey>`.
   */
  eventKey: string;
}

/**
 * A button click: `token` is what the platform carried back (the `ActionButton.token` the plugin put on
 * the button). Core maps it to the button's id and value, and refuses a token that is unknown,
 * expired, of another chat or another message, or no longer on the message. A bot-menu item has no
 * token: give its key as `menu`.
 */
export type ActionDraft = EventCommon & { kind: 'action'; messageId?: string } & (
    { token: string; menu?: never } | { menu: string; token?: never }
  );

export interface CommandDraft extends EventCommon {
  kind: 'command';
  /** The command without its slash (`deploy`). */
  name: string;
  args: string;
}

export interface ReactionDraft extends EventCommon {
  kind: 'reaction';
  /** A neutral name (`thumbsup`) where the plugin knows one, else the platform's own. */
  emoji: string;
  messageId: string;
  added: boolean;
}

export interface MemberDraft extends EventCommon {
  kind: 'member';
  change: InboundMember['member']['change'];
  users?: string[];
}

export interface RecallDraft extends EventCommon {
  kind: 'recall';
  messageId: string;
}

/** Anything a plugin publishes: a message, or an event of one of the Part 2 kinds. */
export type Draft = InboundDraft | ActionDraft | CommandDraft | ReactionDraft | MemberDraft | RecallDraft;

/** Only message drafts: no `kind`, or `kind: 'message'`. */
export function isMessageDraft(d: Draft): d is InboundDraft {
  return d.kind === undefined || d.kind === 'message';
}

import { DeliveryError, chunkText, type OutboundEnvelope } from '../../core/plugin';
import type { MessageArgs } from './api';
import { MAX_BLOCKS } from './blocks';
import { markdownToMrkdwn } from './mrkdwn';
import { escapeSlack } from './text';

/** Slack truncates `text` past 40,000 characters and recommends 4,000 per message: split a bit below. */
export const TEXT_LIMIT = 40_000;
export const SPLIT_AT = 3_900;

/** The text (and blocks) of one `chat.postMessage` or `chat.update`. */
export type Piece = MessageArgs;

/** Where an envelope goes: a channel (C/D/G) or a user (U/W, reached through a DM), and the message answered. */
export interface Address {
  channel?: string;
  user?: string;
  /** ts of the message answered (`replyTo`). */
  replyTs?: string;
}

const CONVERSATION = /^[CDG][A-Z0-9]{2,}$/;
const USER = /^[UW][A-Z0-9]{2,}$/;
const TS = /^\d+\.\d+$/;

/**
 * Reads the target of an envelope. `replyTo` is a message id as the channel produces it
 * (`<channel>:<ts>`), or a bare ts together with `conversation.id`. The channel of `replyTo` wins:
 * the message answered lives there.
 */
export function addressOf(env: OutboundEnvelope): Address {
  const conv = env.conversation?.id;
  if (conv !== undefined && !CONVERSATION.test(conv) && !USER.test(conv)) {
    throw DeliveryError.permanent(`conversation.id "${conv}" is not a Slack channel id (C..., D..., G...) or user id (U..., W...)`, {
      code: 'E_SCHEMA',
    });
  }
  const target: Address = conv === undefined ? {} : CONVERSATION.test(conv) ? { channel: conv } : { user: conv };
  if (env.replyTo === undefined) return target;
  const m = /^([CDG][A-Z0-9]{2,}):(\d+\.\d+)$/.exec(env.replyTo);
  if (m) return { channel: m[1]!, replyTs: m[2]! };
  if (TS.test(env.replyTo) && conv !== undefined) return { ...target, replyTs: env.replyTo };
  throw DeliveryError.permanent(
    TS.test(env.replyTo)
      ? `replyTo "${env.replyTo}" is a bare ts: give conversation.id too, or use the message id "<channel>:<ts>" of the inbound envelope`
      : `replyTo "${env.replyTo}" is not a Slack message id: use message.id of an inbound envelope ("<channel>:<ts>")`,
    { code: 'E_SCHEMA' },
  );
}

/** The native payload an agent passed: Block Kit `{ blocks, text }`, text being the notification fallback. */
function nativePiece(native: Record<string, unknown>, fallback: string | undefined): Piece {
  const allowed = ['blocks', 'text', 'unfurl_links', 'unfurl_media'];
  const unknown = Object.keys(native).filter((k) => !allowed.includes(k));
  if (unknown.length)
    throw DeliveryError.permanent(`native has unknown key(s) ${unknown.join(', ')}; Slack native messages take ${allowed.join(', ')}`, {
      code: 'E_SCHEMA',
    });
  const { blocks, text } = native;
  if (
    !Array.isArray(blocks) ||
    blocks.length === 0 ||
    !blocks.every((b) => typeof b === 'object' && b !== null && typeof (b as { type?: unknown }).type === 'string')
  ) {
    throw DeliveryError.permanent('native.blocks must be a non-empty array of Block Kit blocks, each with a "type"', { code: 'E_SCHEMA' });
  }
  if (blocks.length > MAX_BLOCKS)
    throw DeliveryError.permanent(`native.blocks has ${blocks.length} blocks; Slack takes at most ${MAX_BLOCKS} in one message`, {
      code: 'E_TOO_LARGE',
    });
  if (text !== undefined && typeof text !== 'string')
    throw DeliveryError.permanent('native.text must be a string (the notification text)', { code: 'E_SCHEMA' });
  const fallbackText = text ?? (fallback !== undefined ? escapeSlack(fallback) : '');
  if (fallbackText.length > TEXT_LIMIT)
    throw DeliveryError.permanent(`native.text is ${fallbackText.length} characters; Slack takes at most ${TEXT_LIMIT}`, {
      code: 'E_TOO_LARGE',
    });
  const piece: Piece = { text: fallbackText, blocks };
  for (const k of ['unfurl_links', 'unfurl_media'] as const) if (typeof native[k] === 'boolean') piece[k] = native[k] as boolean;
  return piece;
}

/**
 * The messages for one envelope: the native blocks as given; markdown as mrkdwn, plain text escaped and
 * sent with `mrkdwn: false`, both split under ~3,900 characters at paragraph, line or word boundaries,
 * code blocks closed and reopened across a cut.
 */
export function renderPieces(env: OutboundEnvelope): Piece[] {
  if (env.native) return [nativePiece(env.native, env.text)];
  const text = env.text ?? '';
  const pieces =
    env.format === 'markdown'
      ? chunkText(text, SPLIT_AT, (s) => markdownToMrkdwn(s).length).map((md) => ({ text: markdownToMrkdwn(md) }))
      : chunkText(text, SPLIT_AT, (s) => escapeSlack(s).length).map((t) => ({ text: escapeSlack(t), mrkdwn: false }));
  const sendable = pieces.filter((p) => p.text.trim() !== '');
  if (sendable.length === 0) throw DeliveryError.permanent('text is empty: Slack does not send empty messages', { code: 'E_SCHEMA' });
  return sendable;
}

/**
 * The content of an envelope as ONE message, for `chat.update` (an edit cannot split a message): up to
 * Slack's 40,000 characters, else `E_TOO_LARGE`. Empty text becomes `placeholder` when given (a stream
 * shown by editing, before its first words).
 */
export function renderOne(env: OutboundEnvelope, placeholder?: string): Piece {
  if (env.native) return nativePiece(env.native, env.text);
  const text = env.text ?? '';
  if (!text.trim()) {
    if (placeholder !== undefined) return { text: placeholder };
    throw DeliveryError.permanent('text is empty: Slack does not show empty messages', { code: 'E_SCHEMA' });
  }
  const piece = env.format === 'markdown' ? { text: markdownToMrkdwn(text) } : { text: escapeSlack(text), mrkdwn: false };
  if (piece.text.length > TEXT_LIMIT)
    throw DeliveryError.permanent(
      `the edited text is ${piece.text.length} characters; one Slack message holds at most ${TEXT_LIMIT} (an edit cannot split it)`,
      { code: 'E_TOO_LARGE' },
    );
  return piece;
}

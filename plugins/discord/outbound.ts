import { escapeMarkdown } from 'discord.js';
import { DeliveryError, chunkText, type ActionButton, type OutboundEnvelope } from '../../core/plugin';
import { parseChannelId, parseMessageId } from './ids';

/** Discord's limit of one message's content, in characters. */
export const MAX_CONTENT = 2000;

/** Where an envelope goes: a channel, and the message it answers there. */
export interface Address {
  channel: string;
  reference?: string;
}

/** `conversation.id` (a channel id) and/or `replyTo` (`<channel>:<message>`); a reply in another channel goes without reference. */
export function addressOf(target: { conversation?: { id: string }; replyTo?: string }): Address {
  const reply = target.replyTo ? parseMessageId(target.replyTo) : undefined;
  const channel = target.conversation ? parseChannelId(target.conversation.id) : reply?.channel;
  if (!channel) throw DeliveryError.permanent('the envelope names no conversation.id or replyTo', { code: 'E_SCHEMA' });
  return { channel, ...(reply && reply.channel === channel ? { reference: reply.message } : {}) };
}

/**
 * The text as Discord content pieces of at most 2,000 characters: markdown as it is (Discord renders
 * markdown), plain text with markdown characters escaped so it shows as written.
 */
export function renderPieces(env: Pick<OutboundEnvelope, 'text' | 'format'>): string[] {
  const text = env.text ?? '';
  if (!text.trim()) return [];
  const content =
    env.format === 'markdown' ? text : escapeMarkdown(text, { heading: true, bulletedList: true, numberedList: true, maskedLink: true });
  return chunkText(content, MAX_CONTENT, (s) => s.length);
}

/** Core's button styles as Discord's: primary 1, secondary 2, danger 4. */
const STYLE = { primary: 1, default: 2, danger: 4 } as const;

/** Buttons as action rows of up to five; `custom_id` is core's token, given back on a click. */
export function componentsOf(actions: ActionButton[]): unknown[] {
  const rows: unknown[] = [];
  for (let i = 0; i < actions.length; i += 5)
    rows.push({
      type: 1,
      components: actions.slice(i, i + 5).map((a) => ({ type: 2, style: STYLE[a.style], label: a.label.slice(0, 80), custom_id: a.token })),
    });
  return rows;
}

/** A `native` payload: a Discord message body (content, embeds, components...), passed through. */
export function nativeBody(env: OutboundEnvelope): Record<string, unknown> {
  const n = env.native;
  if (!n || typeof n !== 'object' || Array.isArray(n))
    throw DeliveryError.permanent('native must be a Discord message object ({ content, embeds, components, ... })', { code: 'E_SCHEMA' });
  return n as Record<string, unknown>;
}

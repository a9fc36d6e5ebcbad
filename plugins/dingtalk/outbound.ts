import { DeliveryError, chunkText, markdownToPlain, type ActionButton, type OutboundEnvelope } from '../../core/plugin';
import type { Origin } from './inbound';

/**
 * A text piece takes at most this many UTF-8 bytes: DingTalk takes a msgParam of up to 15,000 bytes,
 * and JSON escaping (quotes, newlines) can double what a text needs.
 */
export const PIECE_BYTES = 6000;
/** The markdown title shows in notifications and the chat list: its first line, this long at most. */
const TITLE_CHARS = 20;

/** A robot message: the OpenAPI's msgKey and msgParam (a JSON string). */
export interface RobotPiece {
  msgKey: 'sampleText' | 'sampleMarkdown' | 'sampleImageMsg' | 'sampleFile';
  msgParam: Record<string, string>;
}

/** Where an envelope goes: a group (openConversationId) or a user (staff id). */
export function targetOf(id: string): Origin {
  return { conversation: id, type: id.startsWith('cid') ? 'group' : 'direct' };
}

/** The title DingTalk shows for a markdown message: the first line of its text, without markup. */
export function titleOf(markdown: string): string {
  const line =
    markdownToPlain(markdown)
      .split('\n')
      .find((l) => l.trim()) ?? '';
  const chars = [...line.trim()];
  return chars.length > TITLE_CHARS ? `${chars.slice(0, TITLE_CHARS - 1).join('')}…` : chars.join('') || '…';
}

/** Buttons as a numbered list, for a channel without a card template to put them on. */
export function numbered(buttons: ActionButton[]): string {
  return buttons.map((b, i) => `${i + 1}. ${b.label}`).join('\n');
}

/** The envelope's text as robot messages, split under DingTalk's size limit; markdown as sampleMarkdown. */
export function textPieces(env: OutboundEnvelope, extra?: string): RobotPiece[] {
  if (env.native !== undefined) return [nativePiece(env.native)];
  const text = [env.text ?? '', extra ?? ''].filter((t) => t.trim()).join('\n\n');
  if (!text.trim()) return [];
  const markdown = env.format === 'markdown';
  return chunkText(text, PIECE_BYTES).map((t): RobotPiece =>
    markdown ? { msgKey: 'sampleMarkdown', msgParam: { title: titleOf(t), text: t } } : { msgKey: 'sampleText', msgParam: { content: t } },
  );
}

/** `native`: `{msgKey, msgParam}` of the robot OpenAPI, passed through. */
function nativePiece(native: unknown): RobotPiece {
  const n = native as { msgKey?: unknown; msgParam?: unknown };
  const params = typeof n?.msgParam === 'string' ? safeParse(n.msgParam) : n?.msgParam;
  if (typeof n?.msgKey !== 'string' || !params || typeof params !== 'object')
    throw DeliveryError.permanent('native must be {msgKey, msgParam} of the DingTalk robot OpenAPI (e.g. sampleActionCard)', {
      code: 'E_SCHEMA',
    });
  return { msgKey: n.msgKey as RobotPiece['msgKey'], msgParam: params as Record<string, string> };
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

import type { InboundDraft, Part } from '../../core/plugin';
import { Mentions, type Mention } from './mentions';
import { parsePost } from './post';

/** `im.message.receive_v1` as the SDK hands it to a handler: header fields merged with the event. */
export interface ReceiveEvent {
  event_id?: string;
  sender?: { sender_id?: { open_id?: string; union_id?: string; user_id?: string }; sender_type?: string };
  message?: {
    message_id?: string;
    root_id?: string;
    parent_id?: string;
    thread_id?: string;
    create_time?: string;
    chat_id?: string;
    chat_type?: string;
    message_type?: string;
    content?: string;
    mentions?: Mention[];
  };
}

function parseContent(raw: string | undefined): Record<string, unknown> {
  try {
    const v = JSON.parse(raw ?? '{}') as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** The parts of one Feishu message by type: text, post, media, shares, cards; anything else is named. */
export function messageParts(type: string, content: Record<string, unknown>, mentions: Mentions): Part[] {
  switch (type) {
    case 'text':
      return mentions.split(String(content.text ?? ''));
    case 'post':
      return parsePost(content, mentions);
    case 'image':
      return [{ type: 'image', ref: String(content.image_key ?? '') }];
    case 'file':
      return [{ type: 'file', ref: String(content.file_key ?? ''), ...(str(content.file_name) ? { name: str(content.file_name)! } : {}) }];
    case 'audio':
      return [
        {
          type: 'audio',
          ref: String(content.file_key ?? ''),
          ...(typeof content.duration === 'number' ? { durationMs: content.duration } : {}),
        },
      ];
    case 'media':
      return [
        {
          type: 'video',
          ref: String(content.file_key ?? ''),
          ...(str(content.file_name) ? { name: str(content.file_name)! } : {}),
          ...(typeof content.duration === 'number' ? { durationMs: content.duration } : {}),
        },
      ];
    case 'sticker':
      return [{ type: 'sticker', ref: String(content.file_key ?? '') }];
    case 'share_chat':
      return [{ type: 'share', kind: 'chat', id: String(content.chat_id ?? '') }];
    case 'share_user':
      return [{ type: 'share', kind: 'user', id: String(content.user_id ?? '') }];
    case 'interactive':
      return [cardPart(content)];
    default:
      return [{ type: 'text', text: `[${type} message]` }];
  }
}

/** The readable text of a card a user forwarded: its title and the text of its elements. */
function cardPart(card: Record<string, unknown>): Part {
  const texts: string[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 12 || texts.length > 200) return;
    if (Array.isArray(v)) v.forEach((x) => walk(x, depth + 1));
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const key of ['content', 'text']) if (typeof o[key] === 'string' && o[key]) texts.push(o[key] as string);
      for (const [k, x] of Object.entries(o)) if (k !== 'title' && typeof x === 'object') walk(x, depth + 1);
    }
  };
  const header = card.header as { title?: { content?: string } } | undefined;
  const title = str(card.title) ?? str(header?.title?.content);
  walk(card.elements ?? card.body ?? card, 0);
  return { type: 'card', ...(title ? { title } : {}), text: texts.join('\n') };
}

/**
 * Turns a receive event into a draft for core, or a reason to skip it. The bot's open id decides which
 * mentions are `self`; a sender of type `app` is a bot (core skips bots).
 */
export function toDraft(event: ReceiveEvent, botOpenId: string): InboundDraft | { skip: string } {
  const msg = event.message;
  if (!msg?.message_id || !msg.chat_id) return { skip: 'event without message_id or chat_id' };
  const senderId = event.sender?.sender_id?.open_id ?? event.sender?.sender_id?.user_id ?? event.sender?.sender_id?.union_id;
  if (!senderId) return { skip: 'event without a sender id' };
  const mentions = new Mentions(msg.mentions, botOpenId);
  const type = msg.message_type ?? 'text';
  const parts = messageParts(type, parseContent(msg.content), mentions);
  const mentioned = parts.some((p) => p.type === 'mention' && (p.self || p.id === 'all'));
  const millis = Number(msg.create_time);
  const draft: InboundDraft = {
    messageId: msg.message_id,
    conversation: {
      id: msg.chat_id,
      type: msg.chat_type === 'p2p' ? 'direct' : 'group',
      ...(msg.thread_id ? { thread: msg.thread_id } : {}),
    },
    sender: { id: senderId, kind: event.sender?.sender_type === 'user' || !event.sender?.sender_type ? 'user' : 'bot' },
    parts,
    mentioned,
    raw: event,
  };
  if (Number.isFinite(millis) && millis > 0) draft.time = new Date(millis);
  if (msg.parent_id) draft.replyTo = msg.parent_id;
  return draft;
}

import type { ActionDraft, InboundDraft, MemberDraft, Part } from '../../core/plugin';

/** A callback body as the long connection carries it, in the fields the channel reads. */
export interface CallbackBody {
  msgid?: string;
  aibotid?: string;
  chatid?: string;
  chattype?: 'single' | 'group';
  from?: { userid?: string };
  create_time?: number;
  msgtype?: string;
  text?: { content?: string };
  image?: MediaRef;
  file?: MediaRef;
  video?: MediaRef;
  voice?: { content?: string };
  mixed?: { msg_item?: Array<{ msgtype?: string; text?: { content?: string }; image?: MediaRef }> };
  event?: { eventtype?: string; event_key?: string; task_id?: string };
}

/** An inbound file: its encrypted download URL (valid 5 minutes) and the key to decrypt it. */
export interface MediaRef {
  url?: string;
  aeskey?: string;
}

/** A media part's ref and where its bytes are, kept until an agent asks for them. */
export interface MediaSource {
  ref: string;
  url: string;
  aeskey: string;
}

/** The conversation of a callback: the group's chatid, or the user for a single chat (what aibot_send_msg takes). */
export function conversationOf(body: CallbackBody): { id: string; type: 'direct' | 'group' } {
  return body.chattype === 'group' && body.chatid ? { id: body.chatid, type: 'group' } : { id: body.from?.userid ?? '', type: 'direct' };
}

/** Text with `@<botName>` as mention parts of this bot. */
function textParts(text: string, botName: string | undefined): Part[] {
  if (!botName) return text ? [{ type: 'text', text }] : [];
  const parts: Part[] = [];
  const at = `@${botName}`;
  for (const [i, piece] of text.split(at).entries()) {
    if (i > 0) parts.push({ type: 'mention', id: 'bot', name: botName, self: true });
    const rest = i > 0 ? piece.replace(/^[\s\u2005]+/, ' ') : piece;
    if (rest.trim()) parts.push({ type: 'text', text: rest });
  }
  return parts;
}

/**
 * A message callback as a draft, and the media it carries. Text (with `@<botName>` as a mention when
 * `botName` is set), images, files, videos, mixed text and images; a voice message is its
 * transcription (WeCom gives no audio). WeCom pushes a group message to a smart bot only when it
 * @-mentions the bot, so every group message is `mentioned`.
 */
export function messageDraft(body: CallbackBody, botName: string | undefined): { draft: InboundDraft; media: MediaSource[] } | string {
  const user = body.from?.userid;
  if (!body.msgid || !user) return 'a callback without msgid or from.userid';
  const parts: Part[] = [];
  const media: MediaSource[] = [];
  const file = (type: 'image' | 'file' | 'video', ref: MediaRef | undefined) => {
    if (!ref?.url || !ref.aeskey) return;
    const id = `${type}-${media.length}`;
    media.push({ ref: id, url: ref.url, aeskey: ref.aeskey });
    parts.push({ type, ref: id });
  };
  switch (body.msgtype) {
    case 'text':
      parts.push(...textParts(body.text?.content ?? '', botName));
      break;
    case 'voice':
      if (body.voice?.content) parts.push({ type: 'text', text: body.voice.content });
      break;
    case 'image':
    case 'file':
    case 'video':
      file(body.msgtype, body[body.msgtype]);
      break;
    case 'mixed':
      for (const item of body.mixed?.msg_item ?? []) {
        if (item.msgtype === 'text') parts.push(...textParts(item.text?.content ?? '', botName));
        else if (item.msgtype === 'image') file('image', item.image);
      }
      break;
    default:
      return `message type ${String(body.msgtype)}`;
  }
  const conversation = conversationOf(body);
  return {
    draft: {
      messageId: body.msgid,
      conversation,
      sender: { id: user, kind: 'user' },
      parts,
      mentioned: conversation.type === 'group' || parts.some((p) => p.type === 'mention' && p.self),
      ...(body.create_time ? { time: new Date(body.create_time * 1000) } : {}),
      raw: body,
    },
    media,
  };
}

/** The platform id of a card: its chat and task id, so a click from another chat names another message. */
export const cardId = (chat: string, taskId: string) => `${chat}:${taskId}`;

/**
 * An event callback as an event draft: `enter_chat` (a user opened the single chat) is `member`
 * `opened`; `template_card_event` (a button click) is an `action` whose token is the button's key.
 * The event key is the callback's msgid, the same when WeCom pushes it again.
 */
export function eventDraft(body: CallbackBody): ActionDraft | MemberDraft | string {
  const user = body.from?.userid;
  const event = body.event;
  if (!body.msgid || !user || !event) return 'an event without msgid, from.userid or event';
  const conversation = conversationOf(body);
  const common = {
    eventKey: body.msgid,
    conversation,
    sender: { id: user, kind: 'user' as const },
    ...(body.create_time ? { time: new Date(body.create_time * 1000) } : {}),
    raw: body,
  };
  if (event.eventtype === 'enter_chat') return { kind: 'member', change: 'opened', ...common };
  if (event.eventtype === 'template_card_event') {
    if (!event.event_key || !event.task_id) return 'a card event without event_key or task_id';
    return { kind: 'action', token: event.event_key, messageId: cardId(conversation.id, event.task_id), ...common };
  }
  return `event ${String(event.eventtype)}`;
}

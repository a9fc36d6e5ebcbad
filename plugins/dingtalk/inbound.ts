import type { ActionDraft, InboundDraft, Part } from '../../core/plugin';

/** A robot message callback (topic `/v1.0/im/bot/messages/get`), in the fields the channel reads. */
export interface RobotMessage {
  msgId?: string;
  msgtype?: string;
  conversationId?: string;
  /** '1' a direct chat with the robot, '2' a group. */
  conversationType?: string;
  conversationTitle?: string;
  senderId?: string;
  senderStaffId?: string;
  senderNick?: string;
  chatbotUserId?: string;
  isInAtList?: boolean;
  createAt?: number;
  sessionWebhook?: string;
  sessionWebhookExpiredTime?: number;
  text?: { content?: string };
  content?: Record<string, unknown>;
}

/** Where a received message came from: what `send()` needs to answer it (by `replyTo`). */
export interface Origin {
  conversation: string;
  type: 'direct' | 'group';
  webhook?: string;
  webhookUntil?: number;
}

/** Why a callback is not published, or undefined when it is a user's message. */
export function skipReason(m: RobotMessage): string | undefined {
  if (!m.msgId || !m.senderId) return 'a robot message without msgId or senderId';
  if (m.senderId === m.chatbotUserId) return "the robot's own message";
  if (m.conversationType === '2' && !m.conversationId) return 'a group message without conversationId';
  if (m.conversationType !== '2' && !m.senderStaffId) return 'a direct message from someone outside the organisation (no senderStaffId)';
  return undefined;
}

/**
 * The conversation of a message as agents answer it: a group is its openConversationId (`cid...`);
 * a direct chat is the user's staff id, which is what the robot OpenAPI sends to.
 */
export function originOf(m: RobotMessage): Origin {
  const group = m.conversationType === '2';
  return {
    conversation: group ? m.conversationId! : m.senderStaffId!,
    type: group ? 'group' : 'direct',
    ...(m.sessionWebhook ? { webhook: m.sessionWebhook, webhookUntil: m.sessionWebhookExpiredTime ?? 0 } : {}),
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

/** The parts of a message: text, rich text (text and pictures), pictures, files, voice, video. */
export function partsOf(m: RobotMessage): Part[] {
  const c = m.content ?? {};
  const code = str(c.downloadCode);
  switch (m.msgtype) {
    case 'text':
      return [{ type: 'text', text: (m.text?.content ?? '').trim() }];
    case 'richText': {
      const items = Array.isArray(c.richText) ? (c.richText as Array<Record<string, unknown>>) : [];
      return items.flatMap((item): Part[] => {
        if (typeof item.text === 'string') return [{ type: 'text', text: item.text }];
        const ref = str(item.downloadCode);
        return item.type === 'picture' && ref ? [{ type: 'image', ref }] : [];
      });
    }
    case 'picture':
      return code ? [{ type: 'image', ref: code }] : [];
    case 'file':
      return code ? [{ type: 'file', ref: code, ...(str(c.fileName) ? { name: str(c.fileName)! } : {}) }] : [];
    case 'audio': {
      const duration = Number(c.duration);
      const recognition = str(c.recognition);
      return [
        ...(code ? [{ type: 'audio' as const, ref: code, ...(duration > 0 ? { durationMs: Math.round(duration) } : {}) }] : []),
        ...(recognition ? [{ type: 'text' as const, text: recognition }] : []),
      ];
    }
    case 'video': {
      const duration = Number(c.duration);
      return code ? [{ type: 'video', ref: code, ...(duration > 0 ? { durationMs: Math.round(duration) } : {}) }] : [];
    }
  }
  return [{ type: 'text', text: `[${m.msgtype ?? 'unknown'} message]` }];
}

/** A robot message as a draft. DingTalk marks the robot's @mention itself: `isInAtList`. */
export function toDraft(m: RobotMessage): InboundDraft {
  const origin = originOf(m);
  const senderId = m.senderStaffId ?? m.senderId!;
  return {
    messageId: m.msgId!,
    conversation: {
      id: origin.conversation,
      type: origin.type,
      ...(origin.type === 'group' && m.conversationTitle ? { name: m.conversationTitle } : {}),
    },
    sender: { id: senderId, kind: 'user', ...(m.senderNick ? { name: m.senderNick } : {}) },
    parts: partsOf(m),
    mentioned: origin.type === 'direct' || m.isInAtList === true,
    ...(m.createAt ? { time: new Date(m.createAt) } : {}),
    raw: m,
  };
}

/** A card callback (topic `/v1.0/card/instances/callback`). */
export interface CardCallback {
  outTrackId?: string;
  userId?: string;
  type?: string;
  /** JSON: `{cardPrivateData: {actionIds, params}}`. */
  content?: string;
}

/**
 * A click on a button of one of the robot's cards as an action draft: the token is the `token` param
 * the card template's button sends back (the value the channel put on it); the card is the message.
 * The conversation is the card's, as remembered when it was sent. The key is the frame's messageId,
 * the same when DingTalk pushes the callback again.
 */
export function clickDraft(cb: CardCallback, where: Origin | undefined, frameId: string): ActionDraft | string {
  if (!cb.outTrackId || !cb.userId) return 'a card callback without outTrackId or userId';
  let params: Record<string, unknown> = {};
  try {
    const content = JSON.parse(cb.content ?? '{}') as { cardPrivateData?: { params?: Record<string, unknown> } };
    params = content.cardPrivateData?.params ?? {};
  } catch {
    return 'a card callback whose content is not JSON';
  }
  const token = str(params.token);
  if (!token) return 'a card callback without a token param (not a button of this channel)';
  if (!where) return `a click on card ${cb.outTrackId}, which this channel did not send (or no longer knows)`;
  return {
    kind: 'action',
    eventKey: `card.${frameId}`,
    token,
    messageId: cb.outTrackId,
    conversation: { id: where.conversation, type: where.type },
    sender: { id: cb.userId, kind: 'user' },
    raw: cb,
  };
}

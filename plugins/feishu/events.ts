import type { Draft, InboundEnvelope } from '../../core/plugin';
import { neutralEmoji } from './reactions';

type Ids = { open_id?: string; user_id?: string; union_id?: string };
const idOf = (ids: Ids | undefined) => ids?.open_id ?? ids?.user_id ?? ids?.union_id;
const timeOf = (ms: unknown) => (Number(ms) > 0 ? new Date(Number(ms)) : new Date());

/** What the channel knows of a message: its chat (Feishu's reaction events do not say), and its author. */
export interface MessageMeta {
  chatId: string;
  chatType: InboundEnvelope['conversation']['type'];
  sender?: string;
}

/** The event types the channel turns into event drafts. */
export const EVENT_TYPES = [
  'im.message.reaction.created_v1',
  'im.message.reaction.deleted_v1',
  'im.chat.member.bot.added_v1',
  'im.chat.member.bot.deleted_v1',
  'im.chat.access_event.bot_p2p_chat_entered_v1',
  'im.message.recalled_v1',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** An event as the SDK hands it to a handler: header fields merged with the event's. */
export type PlatformEvent = Record<string, unknown> & { event_id?: string; create_time?: string };

/**
 * A Feishu event other than a message, as an event draft, or why it is none: reactions added and
 * removed, the bot added to or removed from a group, a user opening the bot's direct chat, a message
 * recalled. `meta` finds the chat of a message (and its author, for a recall). The event key is the
 * event id, the same in every redelivery.
 */
export async function eventDraft(
  type: EventType,
  e: PlatformEvent,
  ctx: { botOpenId: string; meta: (messageId: string) => Promise<MessageMeta | undefined> },
): Promise<Draft | string> {
  const key = e.event_id;
  if (!key) return `${type} without an event id`;
  const operator = idOf(e.operator_id as Ids | undefined);
  const chatId = typeof e.chat_id === 'string' ? e.chat_id : undefined;
  switch (type) {
    case 'im.message.reaction.created_v1':
    case 'im.message.reaction.deleted_v1': {
      const messageId = typeof e.message_id === 'string' ? e.message_id : undefined;
      const user = idOf(e.user_id as Ids | undefined);
      const emoji = (e.reaction_type as { emoji_type?: string } | undefined)?.emoji_type;
      if (!messageId || !emoji) return 'a reaction without message_id or emoji_type';
      const bot = e.operator_type === 'app';
      if (!user && !bot) return 'a reaction without its user';
      const meta = await ctx.meta(messageId);
      if (!meta) return `a reaction on message ${messageId}, whose chat the channel cannot learn`;
      return {
        kind: 'reaction',
        eventKey: key,
        emoji: neutralEmoji(emoji),
        messageId,
        added: type === 'im.message.reaction.created_v1',
        conversation: { id: meta.chatId, type: meta.chatType },
        sender: { id: user ?? 'app', kind: bot ? 'bot' : 'user' },
        time: timeOf(e.action_time),
      };
    }
    case 'im.chat.member.bot.added_v1':
    case 'im.chat.member.bot.deleted_v1':
      if (!chatId || !operator) return `${type} without chat_id or operator`;
      return {
        kind: 'member',
        eventKey: key,
        change: type === 'im.chat.member.bot.added_v1' ? 'bot_added' : 'bot_removed',
        users: [ctx.botOpenId],
        conversation: { id: chatId, type: 'group' },
        sender: { id: operator, kind: 'user' },
        time: timeOf(e.create_time),
      };
    case 'im.chat.access_event.bot_p2p_chat_entered_v1':
      if (!chatId || !operator) return 'a direct chat opened without chat_id or operator';
      return {
        kind: 'member',
        eventKey: key,
        change: 'opened',
        users: [operator],
        conversation: { id: chatId, type: 'direct' },
        sender: { id: operator, kind: 'user' },
        time: timeOf(e.create_time),
      };
    case 'im.message.recalled_v1': {
      const messageId = typeof e.message_id === 'string' ? e.message_id : undefined;
      if (!messageId || !chatId) return 'a recall without message_id or chat_id';
      const meta = await ctx.meta(messageId);
      if (!meta?.sender) return `a recall of message ${messageId}, whose author the channel cannot learn`;
      return {
        kind: 'recall',
        eventKey: key,
        messageId,
        conversation: { id: chatId, type: meta.chatType },
        sender: { id: meta.sender, kind: meta.sender.startsWith('cli_') ? 'bot' : 'user' },
        time: timeOf(e.recall_time),
      };
    }
  }
}

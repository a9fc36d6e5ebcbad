/**
 * Builders for the IM events other than a new message, in their schema 2.0 shapes (fields as the Node
 * SDK's event types list them): reactions added/removed, the bot added to or removed from a group, a
 * user opening the bot's direct chat, a message recalled.
 */
import type { AppState } from './apps';
import { envelope, type SchemaV2Event } from './events';
import { hex, newEventId } from './ids';

const userIds = (openId: string) => ({ union_id: `on_${hex(16)}`, user_id: openId.slice(3, 11), open_id: openId });

/** `im.message.reaction.created_v1` / `deleted_v1`: a user (or an app) reacted to a message. */
export function reactionEvent(
  app: AppState,
  input: { messageId: string; emojiType: string; userOpenId: string; added: boolean; operatorType?: 'user' | 'app' },
): SchemaV2Event {
  return envelope(
    app,
    input.added ? 'im.message.reaction.created_v1' : 'im.message.reaction.deleted_v1',
    {
      message_id: input.messageId,
      reaction_type: { emoji_type: input.emojiType },
      operator_type: input.operatorType ?? 'user',
      user_id: userIds(input.userOpenId),
      action_time: String(Date.now()),
    },
    newEventId(),
  );
}

/** `im.chat.member.bot.added_v1` / `deleted_v1`: `operatorOpenId` added the bot to (removed it from) `chatId`. */
export function botMemberEvent(app: AppState, input: { chatId: string; operatorOpenId: string; added: boolean }): SchemaV2Event {
  return envelope(
    app,
    input.added ? 'im.chat.member.bot.added_v1' : 'im.chat.member.bot.deleted_v1',
    {
      chat_id: input.chatId,
      operator_id: userIds(input.operatorOpenId),
      external: false,
      operator_tenant_key: app.tenantKey,
      name: app.botName,
      i18n_names: { en_us: app.botName, zh_cn: app.botName },
    },
    newEventId(),
  );
}

/** `im.chat.access_event.bot_p2p_chat_entered_v1`: a user opened the bot's direct chat. */
export function p2pEnteredEvent(app: AppState, input: { chatId: string; operatorOpenId: string; lastMessageId?: string }): SchemaV2Event {
  return envelope(
    app,
    'im.chat.access_event.bot_p2p_chat_entered_v1',
    {
      chat_id: input.chatId,
      operator_id: userIds(input.operatorOpenId),
      ...(input.lastMessageId ? { last_message_id: input.lastMessageId, last_message_create_time: String(Date.now() - 60_000) } : {}),
    },
    newEventId(),
  );
}

/** `im.message.recalled_v1`: a message of `chatId` was recalled by its owner. */
export function recalledEvent(app: AppState, input: { messageId: string; chatId: string }): SchemaV2Event {
  return envelope(
    app,
    'im.message.recalled_v1',
    { message_id: input.messageId, chat_id: input.chatId, recall_time: String(Date.now()), recall_type: 'message_owner' },
    newEventId(),
  );
}

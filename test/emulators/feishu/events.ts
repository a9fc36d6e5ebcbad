/**
 * Builders for schema 2.0 events, mainly `im.message.receive_v1`:
 * ```
 * { schema: "2.0",
 *   header: { event_id, event_type, create_time, token, app_id, tenant_key },
 *   event: { sender: { sender_id: {union_id, user_id, open_id}, sender_type, tenant_key },
 *            message: { message_id, root_id?, parent_id?, create_time, update_time, chat_id, thread_id?,
 *                       chat_type, message_type, content (JSON string), mentions? } } }
 * ```
 */
import type { AppState } from './apps';
import { hex, newEventId, newMessageId, newUnionId } from './ids';
import type { StoredMessage } from './messages';
import type { MessageEventInput } from './types';

/** A schema 2.0 event envelope. */
export interface SchemaV2Event {
  schema: '2.0';
  header: {
    event_id: string;
    event_type: string;
    create_time: string;
    token: string;
    app_id: string;
    tenant_key: string;
  };
  event: Record<string, unknown>;
}

/** Wrap any event body in a schema 2.0 envelope for `app`. */
export function envelope(app: AppState, eventType: string, event: Record<string, unknown>, eventId?: string): SchemaV2Event {
  return {
    schema: '2.0',
    header: {
      event_id: eventId ?? newEventId(),
      event_type: eventType,
      create_time: String(Date.now()),
      token: app.verificationToken,
      app_id: app.appId,
      tenant_key: app.tenantKey,
    },
    event,
  };
}

const userIdFor = (openId: string): string => openId.replace(/^ou_/, '').slice(0, 8);

/** Build an im.message.receive_v1 event and the stored message it describes. */
export function buildMessageEvent(app: AppState, input: MessageEventInput): { event: SchemaV2Event; stored: StoredMessage } {
  const messageId = input.messageId ?? newMessageId();
  const createTime = input.createTime ?? Date.now();
  const content = typeof input.content === 'string' ? input.content : JSON.stringify(input.content);
  const senderType = input.senderType ?? 'user';
  const message: Record<string, unknown> = { message_id: messageId };
  if (input.rootId) message.root_id = input.rootId;
  if (input.parentId) message.parent_id = input.parentId;
  Object.assign(message, {
    create_time: String(createTime),
    update_time: String(createTime),
    chat_id: input.chatId,
  });
  if (input.threadId) message.thread_id = input.threadId;
  Object.assign(message, { chat_type: input.chatType, message_type: input.messageType, content });
  if (input.mentions && input.mentions.length > 0) {
    message.mentions = input.mentions.map((m) => ({
      key: m.key,
      id: { union_id: m.unionId ?? newUnionId(), user_id: m.userId ?? userIdFor(m.openId), open_id: m.openId },
      name: m.name,
      tenant_key: app.tenantKey,
    }));
  }
  const senderId: Record<string, string> = {
    union_id: input.senderUnionId ?? `on_${hex(16)}`,
    user_id: input.senderUserId ?? userIdFor(input.senderOpenId),
    open_id: input.senderOpenId,
  };
  const event = envelope(
    app,
    'im.message.receive_v1',
    { sender: { sender_id: senderId, sender_type: senderType, tenant_key: app.tenantKey }, message },
    input.eventId,
  );
  const stored: StoredMessage = {
    messageId,
    appId: app.appId,
    chatId: input.chatId,
    chatType: input.chatType,
    msgType: input.messageType,
    rawContent: content,
    createTime,
    rootId: input.rootId,
    parentId: input.parentId,
    threadId: input.threadId,
    sender: { id: input.senderOpenId, idType: 'open_id', senderType, tenantKey: app.tenantKey },
  };
  return { event, stored };
}

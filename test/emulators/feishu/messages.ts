/**
 * The emulator's view of IM messages: those users "sent" (built with `emu.message()`) and those
 * the bot sent through create/reply, plus the `uuid` de-duplication window (1 hour, per app).
 */
import type { AppState } from './apps';

/** A message known to the emulator. */
export interface StoredMessage {
  messageId: string;
  appId: string;
  chatId: string;
  chatType: 'p2p' | 'group';
  msgType: string;
  rawContent: string;
  createTime: number;
  rootId?: string;
  parentId?: string;
  threadId?: string;
  recalled?: boolean;
  sender: { id: string; idType: 'app_id' | 'open_id'; senderType: 'app' | 'user'; tenantKey: string };
}

const UUID_WINDOW_MS = 60 * 60 * 1000;

/** Message store plus uuid window. */
export class MessageStore {
  private readonly byId = new Map<string, StoredMessage>();
  private readonly uuids = new Map<string, { messageId: string; at: number }>();

  put(m: StoredMessage): void {
    this.byId.set(m.messageId, m);
  }

  get(messageId: string): StoredMessage | undefined {
    return this.byId.get(messageId);
  }

  /** The message an earlier request with the same uuid created within the last hour. */
  byUuid(appId: string, uuid: string, now = Date.now()): StoredMessage | undefined {
    const hit = this.uuids.get(`${appId}|${uuid}`);
    if (!hit || now - hit.at >= UUID_WINDOW_MS) return undefined;
    return this.byId.get(hit.messageId);
  }

  rememberUuid(appId: string, uuid: string, messageId: string, now = Date.now()): void {
    this.uuids.set(`${appId}|${uuid}`, { messageId, at: now });
  }

  /** The first message matching `pred`. */
  find(pred: (m: StoredMessage) => boolean): StoredMessage | undefined {
    for (const m of this.byId.values()) if (pred(m)) return m;
    return undefined;
  }

  /** Mark a message as recalled (reply and reactions then fail like on Feishu). */
  recall(messageId: string): void {
    const m = this.byId.get(messageId);
    if (m) m.recalled = true;
  }
}

/** The `data` object Feishu returns for a created or replied message. */
export function messageData(m: StoredMessage): Record<string, unknown> {
  const data: Record<string, unknown> = { message_id: m.messageId };
  if (m.rootId) data.root_id = m.rootId;
  if (m.parentId) data.parent_id = m.parentId;
  if (m.threadId) data.thread_id = m.threadId;
  Object.assign(data, {
    msg_type: m.msgType,
    create_time: String(m.createTime),
    update_time: String(m.createTime),
    deleted: false,
    updated: false,
    chat_id: m.chatId,
    sender: { id: m.sender.id, id_type: m.sender.idType, sender_type: m.sender.senderType, tenant_key: m.sender.tenantKey },
    body: { content: m.rawContent },
  });
  return data;
}

/** Sender block for messages the bot sends. */
export function botSender(app: AppState): StoredMessage['sender'] {
  return { id: app.appId, idType: 'app_id', senderType: 'app', tenantKey: app.tenantKey };
}

import { DeliveryError } from '../../core/plugin';
import type { FeishuOptions } from './options';
import { FeishuRest, type Body } from './rest';

/** A message as Feishu stores it: `msg_type` and its JSON `content`. */
export interface FeishuMessage {
  msgType: string;
  content: string;
}

/**
 * The Feishu REST calls the channel makes: bot info, send (create or reply, idempotent through `uuid`)
 * and reactions. Failures are `DeliveryError`s (see `rest.ts`).
 *
 * These calls are made directly rather than through the SDK's `lark.Client`, which builds its whole
 * generated API surface (thousands of closures, about 250 KB) for every instance: with a thousand
 * accounts in one gateway that alone was half the process's memory. The long connection still goes
 * through the SDK's `WSClient`, over the same connection pool ({@link FeishuRest.sdkHttp}).
 */
export class FeishuApi {
  readonly rest: FeishuRest;

  constructor(options: Pick<FeishuOptions, 'domain' | 'appId' | 'appSecret' | 'requestTimeoutMs'>) {
    this.rest = new FeishuRest(options.domain, options.appId, options.appSecret, options.requestTimeoutMs);
  }

  /** The bot's identity; also proves the credentials work. */
  async botInfo(): Promise<{ openId: string; name: string }> {
    const body = await this.rest.call<never>('fetch bot info', 'GET', '/open-apis/bot/v3/info');
    const bot = (body as { bot?: { open_id?: string; app_name?: string } }).bot;
    if (!bot?.open_id)
      throw DeliveryError.permanent('Feishu bot info has no open_id: enable the Bot capability of the app and publish a version');
    return { openId: bot.open_id, name: bot.app_name ?? '' };
  }

  /** Creates a message in a chat or to a user. */
  async create(receiveIdType: string, receiveId: string, m: FeishuMessage, uuid: string): Promise<string> {
    const body = await this.rest.call<{ message_id?: string }>('send message', 'POST', '/open-apis/im/v1/messages', {
      params: { receive_id_type: receiveIdType },
      json: { receive_id: receiveId, msg_type: m.msgType, content: m.content, uuid },
    });
    return messageId(body);
  }

  /** Replies to a message (quoted in the chat, or in its thread). */
  async reply(messageIdToAnswer: string, m: FeishuMessage, uuid: string, inThread: boolean): Promise<string> {
    const body = await this.rest.call<{ message_id?: string }>(
      'reply to message',
      'POST',
      `/open-apis/im/v1/messages/${encodeURIComponent(messageIdToAnswer)}/reply`,
      {
        json: { msg_type: m.msgType, content: m.content, uuid, reply_in_thread: inThread },
      },
    );
    return messageId(body);
  }

  async addReaction(messageIdToMark: string, emojiType: string): Promise<string> {
    const body = await this.rest.call<{ reaction_id?: string }>(
      'add reaction',
      'POST',
      `/open-apis/im/v1/messages/${encodeURIComponent(messageIdToMark)}/reactions`,
      {
        json: { reaction_type: { emoji_type: emojiType } },
      },
    );
    return body.data?.reaction_id ?? '';
  }

  async removeReaction(messageIdMarked: string, reactionId: string): Promise<void> {
    await this.rest.call(
      'remove reaction',
      'DELETE',
      `/open-apis/im/v1/messages/${encodeURIComponent(messageIdMarked)}/reactions/${encodeURIComponent(reactionId)}`,
    );
  }

  /** The chat and author of a message (`GET im/v1/messages/:id`), for events that name only the message. */
  async messageMeta(id: string): Promise<{ chatId: string; chatType: 'direct' | 'group'; sender?: string } | undefined> {
    const body = await this.rest.call<{ items?: Array<{ chat_id?: string; sender?: { id?: string } }> }>(
      'get message',
      'GET',
      `/open-apis/im/v1/messages/${encodeURIComponent(id)}`,
    );
    const item = body.data?.items?.[0];
    if (!item?.chat_id) return undefined;
    const chats = await this.rest.call<{ chat_mode?: string }>(
      'get chat',
      'GET',
      `/open-apis/im/v1/chats/${encodeURIComponent(item.chat_id)}`,
    );
    return {
      chatId: item.chat_id,
      chatType: chats.data?.chat_mode === 'p2p' ? 'direct' : 'group',
      ...(item.sender?.id ? { sender: item.sender.id } : {}),
    };
  }

  /** Closes the connections kept open for later calls: the instance is stopping. */
  close(): void {
    this.rest.close();
  }
}

function messageId(body: Body<{ message_id?: string }>): string {
  const id = body.data?.message_id;
  if (!id) throw DeliveryError.retryable('Feishu accepted the message but returned no message_id');
  return id;
}

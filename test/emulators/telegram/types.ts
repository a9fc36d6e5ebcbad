/** Bot API objects as the emulator builds them (https://core.telegram.org/bots/api#available-types). */

export interface User {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
  can_join_groups?: boolean;
  can_read_all_group_messages?: boolean;
  supports_inline_queries?: boolean;
}

export interface Chat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  username?: string;
  first_name?: string;
  last_name?: string;
  is_forum?: true;
}

export interface MessageEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  user?: User;
  language?: string;
}

export interface Message {
  message_id: number;
  message_thread_id?: number;
  is_topic_message?: true;
  from?: User;
  date: number;
  edit_date?: number;
  chat: Chat;
  reply_to_message?: Message;
  text?: string;
  entities?: MessageEntity[];
  caption?: string;
  caption_entities?: MessageEntity[];
  [content: string]: unknown;
}

export interface Update {
  update_id: number;
  message?: Message;
  edited_message?: Message;
}

/** A failed call as Telegram answers it: HTTP status = error_code. */
export interface ApiFailure {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/** A message a bot sent through the emulator. */
export interface SentRecord {
  botId: number;
  method: string;
  chatId: number;
  messageId: number;
  /** Text (or caption) as the chat shows it: entities parsed out. */
  text: string;
  entities: MessageEntity[];
  parseMode?: string;
  threadId?: number;
  replyTo?: number;
  /** The request parameters as received. */
  params: Record<string, unknown>;
  message: Message;
  at: number;
}

/** One getUpdates call and how it ended. */
export interface PollRecord {
  botId: number;
  offset?: number;
  timeout: number;
  limit: number;
  startedAt: number;
  endedAt?: number;
  outcome?: 'updates' | 'empty' | 'conflict' | 'webhook-conflict' | 'aborted' | 'dropped' | 'failed';
  updateIds: number[];
}

/** An injected failure for the next calls of a method. */
export type FaultRule = {
  /** Bot API method (case-insensitive), or '*' for every method. */
  method: string;
  times?: number;
  /** Only calls with this bot's token. */
  botId?: number;
} & (
  | { errorCode: number; description?: string; retryAfter?: number; migrateTo?: number }
  /** Close the connection without answering (the request is not processed). */
  | { drop: true }
  /** Answer with a proxy's HTML page and this HTTP status (e.g. nginx 502). */
  | { html: number }
);

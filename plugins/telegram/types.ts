/** The parts of Bot API objects the channel reads (https://core.telegram.org/bots/api#available-types). */

export interface User {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  can_read_all_group_messages?: boolean;
}

export interface Chat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  username?: string;
  first_name?: string;
  last_name?: string;
  is_forum?: boolean;
}

export interface MessageEntity {
  type: string;
  /** In UTF-16 code units, like JavaScript string indices. */
  offset: number;
  length: number;
  url?: string;
  user?: User;
  language?: string;
}

interface FileRef {
  file_id: string;
  file_unique_id?: string;
  file_name?: string;
  duration?: number;
}

export interface Message {
  message_id: number;
  message_thread_id?: number;
  is_topic_message?: boolean;
  from?: User;
  sender_chat?: Chat;
  date: number;
  edit_date?: number;
  chat: Chat;
  reply_to_message?: Message;
  text?: string;
  entities?: MessageEntity[];
  caption?: string;
  caption_entities?: MessageEntity[];
  photo?: FileRef[];
  document?: FileRef;
  animation?: FileRef;
  video?: FileRef;
  video_note?: FileRef;
  voice?: FileRef;
  audio?: FileRef & { title?: string; performer?: string };
  sticker?: FileRef & { emoji?: string };
  forum_topic_created?: unknown;
  [other: string]: unknown;
}

export interface Update {
  update_id: number;
  message?: Message;
  edited_message?: Message;
  [other: string]: unknown;
}

export interface WebhookInfo {
  url: string;
  pending_update_count: number;
  last_error_message?: string;
}

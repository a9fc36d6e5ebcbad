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
  reply_markup?: { inline_keyboard: Array<Array<{ text: string; callback_data?: string; url?: string }>> };
  /** The emulator's mark of a deleted message (never sent to clients). */
  deleted?: true;
  [content: string]: unknown;
}

export interface Update {
  update_id: number;
  message?: Message;
  edited_message?: Message;
  callback_query?: Record<string, unknown>;
  message_reaction?: Record<string, unknown>;
  my_chat_member?: Record<string, unknown>;
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
  /** The file a media send carried (uploaded or by file_id): its size and SHA-256 (base64url). */
  file?: { fileId: string; size: number; sha256: string; mime: string; name?: string };
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

/** What a test may tune (defaults are Telegram's). */
export interface EmulatorConfig {
  /** getFile refuses larger files with "Bad Request: file is too big" (20 MB). */
  downloadLimit: number;
  /** A multipart request larger than this answers 413 "Request Entity Too Large" (50 MB). */
  uploadLimit: number;
  /** An uploaded photo larger than this is refused with "Bad Request: PHOTO_SAVE_FILE_INVALID" (10 MB). */
  photoLimit: number;
  /** answerCallbackQuery later than this after the click: "query is too old..." (about 15 s on Telegram). */
  callbackTimeoutMs: number;
  /** Edits in one group: at most `limit` per `windowMs`, then 429 with `retry_after` (about 20 a minute on Telegram). */
  groupEdits: { limit: number; windowMs: number };
  /** How long a draft stays shown without a new frame (30 s on Telegram). */
  draftTtlMs: number;
}

/** An emoji reaction as the Bot API writes it. */
export interface ReactionType {
  type: 'emoji' | 'custom_emoji' | 'paid';
  emoji?: string;
  custom_emoji_id?: string;
}

/** A sendMessageDraft frame. */
export interface DraftRecord {
  botId: number;
  chatId: number;
  draftId: number;
  text: string;
  entities: MessageEntity[];
  at: number;
}

/** An editMessageText / editMessageCaption / editMessageReplyMarkup that changed a message. */
export interface EditRecord {
  botId: number;
  method: string;
  chatId: number;
  messageId: number;
  text: string;
  at: number;
}

/** A click and how the bot answered it. */
export interface CallbackRecord {
  id: string;
  botId: number;
  chatId: number;
  messageId: number;
  data: string;
  from: User;
  clickedAt: number;
  /** When answerCallbackQuery succeeded; absent while unanswered. */
  answeredAt?: number;
  /** Answers refused as too late or repeated. */
  lateAnswers: number;
  answer?: { text?: string; show_alert?: boolean };
}

export interface ChatActionRecord {
  botId: number;
  chatId: number;
  action: string;
  at: number;
}

/** The emulator's logs beyond `sent` (kept in `TelegramEmulator`). */
export interface Records {
  drafts: DraftRecord[];
  edits: EditRecord[];
  deletes: Array<{ botId: number; chatId: number; messageId: number; at: number }>;
  callbacks: CallbackRecord[];
  chatActions: ChatActionRecord[];
  /** setMessageReaction calls that succeeded. */
  reactions: Array<{ botId: number; chatId: number; messageId: number; reaction: ReactionType[]; at: number }>;
}

/** Bots, users, chats and their messages: the state behind the emulated Bot API. */
import { randomBytes, randomInt } from 'node:crypto';
import { UpdateQueue } from './updates';
import type { Chat, Message, ReactionType, User } from './types';

export interface ChatState {
  chat: Chat;
  nextMessageId: number;
  messages: Map<number, Message>;
  /** Forum topics: thread id (the id of the topic's service message) → name. */
  topics: Map<number, string>;
  /** The bot was removed from the group. */
  kicked: boolean;
  /** The group became this supergroup. */
  migratedTo?: number;
  /** When the bot's recent edits here happened (groups are paced). */
  edits: number[];
  /** The draft the bot shows in this private chat, until it expires or a message replaces it. */
  draft?: { draftId: number; text: string; until: number };
  /** The reactions on each message: the bot's own and each user's. */
  reactions: Map<number, Map<number, ReactionType[]>>;
}

export interface BotState {
  user: User;
  token: string;
  /** Privacy mode (on for new bots): in groups, only commands, mentions and replies to the bot arrive. */
  privacy: boolean;
  queue: UpdateQueue;
  webhook?: { url: string; maxConnections: number; allowedUpdates?: string[] };
  /** The chats this bot is in, by id (each bot sees its own chats and message ids). */
  chats: Map<number, ChatState>;
  /** Users who pressed Start in a private chat with the bot. */
  startedBy: Set<number>;
  /** Users who blocked the bot. */
  blockedBy: Set<number>;
  revoked: boolean;
}

const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

export function newToken(botId: number): string {
  return `${botId}:${[...randomBytes(35)].map((b) => TOKEN_CHARS[b % 64]).join('')}`;
}

export const newUserId = () => randomInt(100_000_000, 2_000_000_000);

export class World {
  private readonly byToken = new Map<string, BotState>();
  private readonly byId = new Map<number, BotState>();

  addBot(opts: { username?: string; firstName?: string; privacy?: boolean; token?: string; id?: number }): BotState {
    const id = opts.id ?? randomInt(5_000_000_000, 8_000_000_000);
    const username = opts.username ?? `emu_${id.toString(36)}_bot`;
    const privacy = opts.privacy ?? true;
    const bot: BotState = {
      user: {
        id,
        is_bot: true,
        first_name: opts.firstName ?? 'Emulated Bot',
        username,
        can_join_groups: true,
        can_read_all_group_messages: !privacy,
        supports_inline_queries: false,
      },
      token: opts.token ?? newToken(id),
      privacy,
      queue: new UpdateQueue(randomInt(100_000_000, 900_000_000)),
      chats: new Map(),
      startedBy: new Set(),
      blockedBy: new Set(),
      revoked: false,
    };
    this.byToken.set(bot.token, bot);
    this.byId.set(id, bot);
    return bot;
  }

  /** The bot of a token that is still valid. */
  botByToken(token: string): BotState | undefined {
    const bot = this.byToken.get(token);
    return bot && !bot.revoked ? bot : undefined;
  }

  bot(id: number): BotState {
    const bot = this.byId.get(id);
    if (!bot) throw new Error(`TelegramEmulator: no bot ${id}`);
    return bot;
  }

  addChat(bot: BotState, chat: Chat): ChatState {
    const state: ChatState = {
      chat,
      nextMessageId: 1,
      messages: new Map(),
      topics: new Map(),
      kicked: false,
      edits: [],
      reactions: new Map(),
    };
    bot.chats.set(chat.id, state);
    return state;
  }

  chat(bot: BotState, id: number): ChatState {
    const chat = bot.chats.get(id);
    if (!chat) throw new Error(`TelegramEmulator: bot ${bot.user.id} is not in chat ${id}`);
    return chat;
  }

  /** Stores a new message in a chat with the chat's next message id. */
  addMessage(chat: ChatState, fields: Omit<Message, 'message_id' | 'date' | 'chat'> & { date?: number }): Message {
    const message = { message_id: chat.nextMessageId++, date: Math.floor(Date.now() / 1000), chat: chat.chat, ...fields } as Message;
    chat.messages.set(message.message_id, message);
    return message;
  }
}

/** A message as it appears inside another's `reply_to_message` (Telegram nests one level only). */
export function shallow(m: Message): Message {
  const { reply_to_message: _nested, ...rest } = m;
  return rest as Message;
}

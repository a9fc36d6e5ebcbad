/** Building the messages users send (text, entities, media, replies, topics) and privacy mode. */
import { randomBytes } from 'node:crypto';
import { detectEntities } from './autodetect';
import type { Chat, Message, MessageEntity, User } from './types';
import { shallow, type BotState, type ChatState } from './world';

export type Media =
  | { type: 'photo' }
  | { type: 'document'; fileName?: string; mimeType?: string }
  | { type: 'animation'; fileName?: string; duration?: number }
  | { type: 'video'; fileName?: string; duration?: number }
  | { type: 'video_note'; duration?: number }
  | { type: 'voice'; duration?: number }
  | { type: 'audio'; duration?: number; title?: string; performer?: string; fileName?: string }
  | { type: 'sticker'; emoji?: string };

/** What a test says a user sends. */
export interface UserMessageInput {
  chat: Chat | number;
  from: User;
  /** Typed text; entities (commands, @mentions, URLs, hashtags, emails) are detected unless given. */
  text?: string;
  entities?: MessageEntity[];
  caption?: string;
  captionEntities?: MessageEntity[];
  media?: Media;
  /** Id of a message in the same chat this one replies to. */
  replyTo?: number;
  /** Forum topic (its thread id) the message is posted in. */
  threadId?: number;
  /** Sent on behalf of a chat (an anonymous admin, a channel). */
  senderChat?: Chat;
  /** Real bytes for `media`: getFile and the file download serve them. */
  file?: { data: Buffer; mime?: string; name?: string };
  /** Any other fields (e.g. `location`). */
  extra?: Record<string, unknown>;
}

/** Telegram-like file ids: a type prefix and random bytes. */
export const PREFIX: Record<Media['type'], string> = {
  photo: 'AgACAgIAAxkBAAI',
  document: 'BQACAgIAAxkBAAI',
  animation: 'CgACAgIAAxkBAAI',
  video: 'BAACAgIAAxkBAAI',
  video_note: 'DQACAgIAAxkBAAI',
  voice: 'AwACAgIAAxkBAAI',
  audio: 'CQACAgIAAxkBAAI',
  sticker: 'CAACAgIAAxkBAAI',
};

function file(type: Media['type']) {
  return {
    file_id: `${PREFIX[type]}${randomBytes(30).toString('base64url')}`,
    file_unique_id: `AgAD${randomBytes(6).toString('base64url')}`,
    file_size: 1000 + Math.floor(Math.random() * 90000),
  };
}

/** The content fields of a media message. */
export function mediaFields(media: Media): Record<string, unknown> {
  switch (media.type) {
    case 'photo':
      return { photo: [90, 320, 1280].map((w) => ({ ...file('photo'), width: w, height: Math.round(w * 0.75) })) };
    case 'document':
      return {
        document: { ...file('document'), file_name: media.fileName ?? 'file.bin', mime_type: media.mimeType ?? 'application/octet-stream' },
      };
    case 'animation': {
      const anim = {
        ...file('animation'),
        width: 320,
        height: 240,
        duration: media.duration ?? 3,
        file_name: media.fileName ?? 'animation.mp4',
        mime_type: 'video/mp4',
      };
      // Telegram sends a GIF as both `animation` and `document`.
      return {
        animation: anim,
        document: { file_id: anim.file_id, file_unique_id: anim.file_unique_id, file_name: anim.file_name, mime_type: 'video/mp4' },
      };
    }
    case 'video':
      return {
        video: {
          ...file('video'),
          width: 1280,
          height: 720,
          duration: media.duration ?? 10,
          ...(media.fileName ? { file_name: media.fileName } : {}),
          mime_type: 'video/mp4',
        },
      };
    case 'video_note':
      return { video_note: { ...file('video_note'), length: 240, duration: media.duration ?? 5 } };
    case 'voice':
      return { voice: { ...file('voice'), duration: media.duration ?? 4, mime_type: 'audio/ogg' } };
    case 'audio':
      return {
        audio: {
          ...file('audio'),
          duration: media.duration ?? 180,
          mime_type: 'audio/mpeg',
          ...(media.title ? { title: media.title } : {}),
          ...(media.performer ? { performer: media.performer } : {}),
          ...(media.fileName ? { file_name: media.fileName } : {}),
        },
      };
    case 'sticker':
      return {
        sticker: {
          ...file('sticker'),
          type: 'regular',
          width: 512,
          height: 512,
          is_animated: false,
          is_video: false,
          ...(media.emoji ? { emoji: media.emoji } : {}),
        },
      };
  }
}

/** The fields of a user's message (everything but id, date and chat). */
export function userMessageFields(chat: ChatState, input: UserMessageInput): Record<string, unknown> {
  const fields: Record<string, unknown> = { from: input.from, ...(input.senderChat ? { sender_chat: input.senderChat } : {}) };
  if (input.text !== undefined) {
    fields.text = input.text;
    const entities = input.entities ?? detectEntities(input.text);
    if (entities.length) fields.entities = entities;
  }
  if (input.media) Object.assign(fields, mediaFields(input.media));
  if (input.caption !== undefined) {
    fields.caption = input.caption;
    const entities = input.captionEntities ?? detectEntities(input.caption);
    if (entities.length) fields.caption_entities = entities;
  }
  if (input.threadId !== undefined) {
    if (!chat.topics.has(input.threadId)) throw new Error(`TelegramEmulator: chat ${chat.chat.id} has no topic ${input.threadId}`);
    fields.message_thread_id = input.threadId;
    fields.is_topic_message = true;
  }
  const replied =
    input.replyTo !== undefined
      ? chat.messages.get(input.replyTo)
      : input.threadId !== undefined
        ? chat.messages.get(input.threadId)
        : undefined;
  if (input.replyTo !== undefined && !replied) throw new Error(`TelegramEmulator: chat ${chat.chat.id} has no message ${input.replyTo}`);
  // In a topic, a message that answers nothing answers the topic's service message.
  if (replied) fields.reply_to_message = shallow(replied);
  return { ...fields, ...(input.extra ?? {}) };
}

/** With privacy mode a bot sees, in groups, only commands, its mentions, replies to it and service messages. */
export function visibleToBot(bot: BotState, m: Message): boolean {
  if (m.chat.type === 'private' || !bot.privacy) return true;
  const text = m.text ?? m.caption;
  const entities = (m.entities ?? m.caption_entities ?? []) as MessageEntity[];
  const hasContent = text !== undefined || Object.keys(PREFIX).some((k) => k in m);
  if (!hasContent) return true;
  const replied = m.reply_to_message;
  if (replied?.from?.id === bot.user.id && !(m.is_topic_message && replied.message_id === m.message_thread_id)) return true;
  const me = (bot.user.username ?? '').toLowerCase();
  return entities.some((e) => {
    const t = (text ?? '').slice(e.offset, e.offset + e.length).toLowerCase();
    if (e.type === 'bot_command') return !t.includes('@') || t.endsWith(`@${me}`);
    if (e.type === 'mention') return t === `@${me}`;
    return e.type === 'text_mention' && e.user?.id === bot.user.id;
  });
}

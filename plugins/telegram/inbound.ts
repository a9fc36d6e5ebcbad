import type { InboundDraft, Part } from '../../core/plugin';
import { startsWithBareCommand, textParts, type BotIdentity } from './entities';
import type { Message, Update, User } from './types';

const seconds = (s: number | undefined) => (s !== undefined && s > 0 ? { durationMs: Math.round(s * 1000) } : {});
const named = (name: string | undefined) => (name ? { name } : {});

/** The media of a message as one part with its `file_id`, if it has any. */
function mediaPart(m: Message): Part | undefined {
  if (m.photo?.length) return { type: 'image', ref: m.photo[m.photo.length - 1]!.file_id };
  // An animation (GIF) also carries `document`: the animation is what the user sent.
  if (m.animation) return { type: 'video', ref: m.animation.file_id, ...named(m.animation.file_name), ...seconds(m.animation.duration) };
  if (m.video) return { type: 'video', ref: m.video.file_id, ...named(m.video.file_name), ...seconds(m.video.duration) };
  if (m.video_note) return { type: 'video', ref: m.video_note.file_id, ...seconds(m.video_note.duration) };
  if (m.voice) return { type: 'audio', ref: m.voice.file_id, ...seconds(m.voice.duration) };
  if (m.audio) {
    const title = m.audio.file_name ?? ([m.audio.performer, m.audio.title].filter(Boolean).join(' - ') || undefined);
    return { type: 'audio', ref: m.audio.file_id, ...named(title), ...seconds(m.audio.duration) };
  }
  if (m.document) return { type: 'file', ref: m.document.file_id, ...named(m.document.file_name) };
  if (m.sticker) return { type: 'sticker', ref: m.sticker.file_id, ...named(m.sticker.emoji) };
  return undefined;
}

/** Content kinds without a part of their own: named in the text so the agent knows what came. */
const OTHER_CONTENT = ['location', 'venue', 'contact', 'poll', 'dice', 'game', 'story', 'invoice', 'paid_media'];

/** The parts of a message: its media, then its text or caption; empty for a service message. */
export function messageParts(m: Message, bot: BotIdentity): Part[] {
  const parts: Part[] = [];
  const media = mediaPart(m);
  if (media) parts.push(media);
  const text = m.text ?? m.caption;
  if (text) {
    const own = textParts(text, m.text !== undefined ? m.entities : m.caption_entities, bot);
    // A caption goes on its own line after the media it describes.
    if (media && own[0]?.type === 'text') own[0] = { type: 'text', text: `\n${own[0].text}` };
    else if (media) parts.push({ type: 'text', text: '\n' });
    parts.push(...own);
  }
  if (!parts.length) {
    const other = OTHER_CONTENT.find((k) => m[k] !== undefined);
    if (other) parts.push({ type: 'text', text: `[${other} message]` });
  }
  return parts;
}

function displayName(u: User): string | undefined {
  return [u.first_name, u.last_name].filter(Boolean).join(' ') || u.username;
}

/** In a forum topic every message answers the topic's first (service) message; that is not a reply. */
function isTopicRoot(m: Message, reply: Message): boolean {
  return !!m.is_topic_message && (reply.message_id === m.message_thread_id || reply.forum_topic_created !== undefined);
}

/**
 * Turns an update into a draft for core, or a reason to skip it. Telegram message ids count per chat,
 * so the draft's message id is `<chat_id>:<message_id>` (an edit adds `:edit-<edit_date>`, so it is not
 * taken for a redelivery of the original). In groups the bot is mentioned by its @username, a
 * text_mention, `/command@bot` or a bare command, or a reply to one of its messages.
 */
export function toDraft(update: Update, bot: BotIdentity): InboundDraft | { skip: string } {
  const m = update.message ?? update.edited_message;
  if (!m)
    return {
      skip: `update of type ${
        Object.keys(update)
          .filter((k) => k !== 'update_id')
          .join(', ') || 'unknown'
      } is not handled`,
    };
  const edited = !update.message;
  if (m.chat.type === 'channel') return { skip: 'channel posts are not handled' };
  const parts = messageParts(m, bot);
  if (!parts.length) return { skip: 'service message (no text or media)' };
  const sender = m.sender_chat
    ? { id: String(m.sender_chat.id), kind: 'user' as const, ...named(m.sender_chat.title) }
    : m.from
      ? { id: String(m.from.id), kind: m.from.is_bot ? ('bot' as const) : ('user' as const), ...named(displayName(m.from)) }
      : undefined;
  if (!sender) return { skip: 'message without a sender' };
  const chatId = String(m.chat.id);
  const reply = m.reply_to_message && !isTopicRoot(m, m.reply_to_message) ? m.reply_to_message : undefined;
  const text = m.text ?? m.caption ?? '';
  const mentioned =
    parts.some((p) => p.type === 'mention' && p.self) ||
    reply?.from?.id === bot.id ||
    (m.chat.type !== 'private' && startsWithBareCommand(text, m.text !== undefined ? m.entities : m.caption_entities));
  const topic = m.is_topic_message && m.message_thread_id !== undefined;
  const draft: InboundDraft = {
    messageId: `${chatId}:${m.message_id}${edited ? `:edit-${m.edit_date ?? m.date}` : ''}`,
    time: new Date((edited ? (m.edit_date ?? m.date) : m.date) * 1000),
    conversation: {
      id: chatId,
      type: m.chat.type === 'private' ? 'direct' : 'group',
      ...(topic ? { thread: String(m.message_thread_id) } : {}),
      ...named(m.chat.title),
    },
    sender,
    parts,
    mentioned,
    raw: update,
  };
  if (reply) draft.replyTo = `${chatId}:${reply.message_id}`;
  return draft;
}

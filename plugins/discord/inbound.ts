import type { InboundDraft, Part } from '../../core/plugin';
import type { BotIdentity } from './connection';
import { messageIdOf } from './ids';

/** A user object of the API, in the fields the channel reads. */
export interface ApiUser {
  id: string;
  username?: string;
  global_name?: string | null;
  bot?: boolean;
}

/** A MESSAGE_CREATE payload, in the fields the channel reads. */
export interface ApiMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: ApiUser;
  member?: { nick?: string | null };
  content: string;
  timestamp?: string;
  mentions?: ApiUser[];
  mention_everyone?: boolean;
  attachments?: Array<{ id: string; filename: string; size?: number; content_type?: string; url?: string }>;
  message_reference?: { message_id?: string; channel_id?: string };
  type?: number;
  webhook_id?: string;
}

/** Message types people write: default (0), reply (19). Others are system messages (joins, pins, boosts...). */
const PEOPLE_TYPES = new Set([0, 19]);

/** The name Discord shows: server nickname, else display name, else username. */
export const displayName = (u: ApiUser, nick?: string | null) => nick || u.global_name || u.username || u.id;

/** A media part's kind from the attachment's content type. */
function kindOf(mime: string | undefined): 'image' | 'audio' | 'video' | 'file' {
  const top = mime?.split('/')[0];
  return top === 'image' || top === 'audio' || top === 'video' ? top : 'file';
}

/**
 * Parts of a message's content: user mentions (`<@id>`, `<@!id>`) become mention parts (`self` for
 * this bot, the name from the message's `mentions`), `@everyone` / `@here` a mention of `all`; role and
 * channel mentions and custom emoji stay readable text; then one media part per attachment (`ref` the
 * attachment id: fetchMedia asks Discord for a fresh URL).
 */
export function partsOf(m: ApiMessage, botUserId: string): Part[] {
  const parts: Part[] = [];
  const names = new Map((m.mentions ?? []).map((u) => [u.id, displayName(u)]));
  const text = (t: string) => {
    if (!t) return;
    const last = parts.at(-1);
    if (last?.type === 'text') last.text += t;
    else parts.push({ type: 'text', text: t });
  };
  const re = /<@!?(\d+)>|<@&(\d+)>|<#(\d+)>|<a?:(\w+):\d+>|@(everyone|here)/g;
  let at = 0;
  for (const x of m.content.matchAll(re)) {
    text(m.content.slice(at, x.index));
    at = x.index + x[0].length;
    if (x[1]) parts.push({ type: 'mention', id: x[1], name: names.get(x[1]) ?? x[1], self: x[1] === botUserId });
    else if (x[5] && m.mention_everyone) parts.push({ type: 'mention', id: 'all', name: x[5], self: false });
    else if (x[4]) text(`:${x[4]}:`);
    else text(x[0]);
  }
  text(m.content.slice(at));
  for (const a of m.attachments ?? [])
    parts.push({
      type: kindOf(a.content_type),
      ref: a.id,
      name: a.filename,
      ...(a.size !== undefined ? { size: a.size } : {}),
      ...(a.content_type ? { mime: a.content_type } : {}),
    });
  return parts;
}

/** Why a MESSAGE_CREATE is not published, or undefined when it is a person's (or another bot's) message. */
export function skipReason(m: ApiMessage, bot: BotIdentity): string | undefined {
  if (m.author?.id === bot.userId) return "the bot's own message";
  if (m.webhook_id) return 'a webhook message';
  if (m.type !== undefined && !PEOPLE_TYPES.has(m.type)) return `a system message (type ${m.type})`;
  if (!m.content && !m.attachments?.length)
    return m.guild_id ? 'no content: the Message Content intent is off, or the message has only embeds or stickers' : 'no content';
  return undefined;
}

/**
 * A message as a draft. Conversation: the channel (a DM is `direct`, a guild channel or thread
 * `group`); message id `<channel>:<message>`, the key of its redeliveries (a RESUME replays by message).
 */
export function toDraft(m: ApiMessage, bot: BotIdentity): InboundDraft {
  const parts = partsOf(m, bot.userId);
  const ref = m.message_reference?.message_id;
  return {
    messageId: messageIdOf(m.channel_id, m.id),
    conversation: { id: m.channel_id, type: m.guild_id ? 'group' : 'direct' },
    sender: { id: m.author.id, name: displayName(m.author, m.member?.nick), kind: m.author.bot ? 'bot' : 'user' },
    parts,
    mentioned: parts.some((p) => p.type === 'mention' && p.self) || (m.mentions ?? []).some((u) => u.id === bot.userId),
    ...(ref ? { replyTo: messageIdOf(m.message_reference?.channel_id ?? m.channel_id, ref) } : {}),
    ...(m.timestamp ? { time: m.timestamp } : {}),
  };
}

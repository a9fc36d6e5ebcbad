import { DeliveryError, type ReactionRequest } from '../../core/plugin';
import type { DiscordApi } from './api';
import { parseMessageId } from './ids';

/** Neutral names (and common aliases) and the unicode emoji Discord takes for them. */
const EMOJI: Record<string, string> = {
  thumbsup: '👍',
  '+1': '👍',
  like: '👍',
  thumbsdown: '👎',
  '-1': '👎',
  eyes: '👀',
  check: '✅',
  done: '✅',
  white_check_mark: '✅',
  cross: '❌',
  x: '❌',
  heart: '❤️',
  ok: '👌',
  smile: '😄',
  laugh: '😂',
  tada: '🎉',
  fire: '🔥',
  rocket: '🚀',
  thinking: '🤔',
  hourglass: '⏳',
  warning: '⚠️',
  question: '❓',
  pray: '🙏',
  clap: '👏',
  '100': '💯',
  wave: '👋',
  star: '⭐',
};

/** The neutral name of each emoji (the first name listed for it). */
const NEUTRAL = new Map<string, string>();
for (const [name, emoji] of Object.entries(EMOJI)) if (!NEUTRAL.has(emoji)) NEUTRAL.set(emoji, name);

const PICTOGRAPHIC = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;

/**
 * The emoji for Discord's reaction routes: a neutral name mapped, a unicode emoji as it is, a custom
 * emoji as `name:id` (Discord's form). An unknown name is E_UNSUPPORTED, listing the names known.
 */
export function discordEmoji(emoji: string): string {
  const mapped = EMOJI[emoji.replace(/^:|:$/g, '')];
  if (mapped) return mapped;
  if (PICTOGRAPHIC.test(emoji) || /^[\w-]+:\d+$/.test(emoji)) return emoji;
  throw DeliveryError.permanent(
    `Discord has no emoji named "${emoji}": give a unicode emoji, a custom emoji as name:id, or one of ${Object.keys(EMOJI).join(', ')}`,
    { code: 'E_UNSUPPORTED' },
  );
}

/** An inbound reaction's name: the neutral name where there is one, else the unicode emoji, or `name:id` of a custom one. */
export function neutralEmoji(e: { id?: string | null; name?: string | null }): string {
  if (e.id) return `${e.name ?? 'emoji'}:${e.id}`;
  const name = e.name ?? '';
  return NEUTRAL.get(name) ?? NEUTRAL.get(`${name}\uFE0F`) ?? NEUTRAL.get(name.replace(/\uFE0F/g, '')) ?? name;
}

/** Sets or removes the bot's reaction (`PUT`/`DELETE .../reactions/<emoji>/@me`). */
export async function react(api: DiscordApi, r: ReactionRequest): Promise<void> {
  const { channel, message } = parseMessageId(r.messageId);
  await api.react(channel, message, discordEmoji(r.emoji), r.remove);
}

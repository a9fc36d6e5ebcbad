import { DeliveryError, type ReactionRequest } from '../../core/plugin';
import type { BotApi } from './api';
import { TelegramApiError } from './api';
import { parseMessageId } from './edits';
import { toDeliveryError } from './errors';

/**
 * The contract's neutral names as the emoji Telegram lets bots react with. Telegram has no check mark
 * or cross among them: `check` and `done` show 👌 and 💯, `cross` 👎.
 */
const TO_TELEGRAM: Record<string, string> = {
  thumbsup: '👍',
  thumbsdown: '👎',
  heart: '❤',
  fire: '🔥',
  eyes: '👀',
  clap: '👏',
  pray: '🙏',
  ok: '👌',
  check: '👌',
  done: '💯',
  cross: '👎',
  party: '🎉',
  thinking: '🤔',
  laugh: '😁',
};

/** Telegram's emoji back to neutral names, for users' reactions (the first name of each). */
const FROM_TELEGRAM: Record<string, string> = {
  '👍': 'thumbsup',
  '👎': 'thumbsdown',
  '❤': 'heart',
  '🔥': 'fire',
  '👀': 'eyes',
  '👏': 'clap',
  '🙏': 'pray',
  '👌': 'ok',
  '💯': 'done',
  '🎉': 'party',
  '🤔': 'thinking',
  '😁': 'laugh',
};

const NEUTRAL = Object.keys(TO_TELEGRAM).join(', ');

export const telegramEmoji = (emoji: string) => TO_TELEGRAM[emoji] ?? emoji;
export const neutralEmoji = (emoji: string) => FROM_TELEGRAM[emoji] ?? emoji;

/**
 * Sets the bot's reaction with `setMessageReaction` (a bot has one reaction per message: setting one
 * replaces the last), or takes it off with an empty list. An emoji Telegram does not offer for
 * reactions is `E_UNSUPPORTED`, naming the neutral names.
 */
export async function react(api: BotApi, r: ReactionRequest, signal: AbortSignal): Promise<void> {
  const { chatId, messageId } = parseMessageId(r.messageId);
  const emoji = telegramEmoji(r.emoji);
  try {
    await api.call(
      'setMessageReaction',
      { chat_id: chatId, message_id: messageId, reaction: r.remove ? [] : [{ type: 'emoji', emoji }] },
      { signal },
    );
  } catch (err) {
    if (err instanceof TelegramApiError && /REACTION_INVALID/.test(err.description))
      throw DeliveryError.permanent(
        `Telegram offers no reaction "${emoji}": use a neutral name (${NEUTRAL}) or one of the emoji Telegram lists for reactions (👍 ❤ 🔥 🎉 ...)`,
        { code: 'E_UNSUPPORTED', platformCode: 400 },
      );
    throw toDeliveryError(err);
  }
}

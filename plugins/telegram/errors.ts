import { DeliveryError } from '../../core/plugin';
import { TelegramApiError, TelegramNetworkError } from './api';

/** Telegram refused the markup: `Bad Request: can't parse entities: ...`. */
export const isParseError = (err: unknown): err is TelegramApiError =>
  err instanceof TelegramApiError && err.errorCode === 400 && /can't parse entities/i.test(err.description);

/** What an operator or agent author can do about Telegram's common refusals. */
const ADVICE: Array<[RegExp, string]> = [
  [/bot was blocked by the user/i, 'the user blocked the bot; it can write again once they unblock it'],
  [/bot was kicked/i, 'the bot was removed from the group; add it again to write there'],
  [/bot is not a member/i, 'the bot is not in this chat; add it first'],
  [/can't initiate conversation/i, 'a user must start a chat with the bot (press Start) before it can write to them'],
  [/user is deactivated/i, 'the account was deleted'],
  [/chat not found/i, 'the chat does not exist or the bot was never in it: check conversation.id'],
  [/message thread not found/i, 'the topic does not exist (or the chat has no topics): check native.message_thread_id'],
  [/not enough rights/i, 'the bot lacks the admin right this needs in the chat'],
];

/** A Bot API failure as the delivery error core acts on; the receipt shows `<error_code> <description>`. */
export function toDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  if (err instanceof TelegramNetworkError) return DeliveryError.retryable(`Telegram unreachable: ${err.message}`);
  if (!(err instanceof TelegramApiError)) return DeliveryError.retryable(`unexpected error: ${(err as Error)?.message ?? String(err)}`);
  const platformCode = `${err.errorCode} ${err.description}`;
  if (err.errorCode === 429) {
    const retryAfter = err.parameters.retry_after;
    return DeliveryError.retryable(`Telegram rate limit: ${err.description}`, {
      rateLimited: true,
      platformCode,
      ...(retryAfter !== undefined ? { retryAfterMs: retryAfter * 1000 } : {}),
    });
  }
  if (err.errorCode >= 500 || err.errorCode < 400) return DeliveryError.retryable(`Telegram failed: ${err.description}`, { platformCode });
  if (/message is too long|caption is too long/i.test(err.description))
    return DeliveryError.permanent(`Telegram refused the size: ${err.description}`, { code: 'E_TOO_LARGE', platformCode });
  if (err.errorCode === 401)
    return DeliveryError.permanent('Unauthorized: the bot token was revoked or is wrong; check token from @BotFather', { platformCode });
  const advice = ADVICE.find(([re]) => re.test(err.description))?.[1];
  return DeliveryError.permanent(`Telegram refused the message: ${err.description}${advice ? ` (${advice})` : ''}`, { platformCode });
}

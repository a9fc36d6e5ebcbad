import { DeliveryError, classifyFailure } from '../../core/plugin';
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

/**
 * A Bot API failure as the delivery error core acts on (core's shared rules): 429 is retried after
 * `retry_after`, other 4xx are permanent, 5xx and no answer are retried. `platformCode` is Telegram's
 * `error_code` (403); the receipt's message carries the description (`Forbidden: bot was blocked by the
 * user`). The Bot API has no finer code: only its description tells a too-long text from other 400s.
 */
export function toDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  if (err instanceof TelegramNetworkError) return classifyFailure({ network: true }, `Telegram unreachable: ${err.message}`);
  if (!(err instanceof TelegramApiError)) return DeliveryError.retryable(`unexpected error: ${(err as Error)?.message ?? String(err)}`);
  const code = err.errorCode;
  const tooLong = /message is too long|caption is too long|Request Entity Too Large|PHOTO_SAVE_FILE_INVALID|file is too big/i.test(
    err.description,
  );
  const advice = ADVICE.find(([re]) => re.test(err.description))?.[1];
  const message =
    code === 429
      ? `Telegram rate limit: ${err.description}`
      : code >= 500 || code < 400
        ? `Telegram failed: ${err.description}`
        : tooLong
          ? `Telegram refused the size: ${err.description}${/Entity Too Large|PHOTO_SAVE/i.test(err.description) ? ' (bots upload photos of at most 10 MB and other files of at most 50 MB)' : ''}`
          : code === 401
            ? 'Unauthorized: the bot token was revoked or is wrong; check token from @BotFather'
            : `Telegram refused the message: ${err.description}${advice ? ` (${advice})` : ''}`;
  // A status below 400 (a proxy's odd answer, not the Bot API refusing): try again.
  if (code < 400) return DeliveryError.retryable(message, { platformCode: code });
  const retryAfter = err.parameters.retry_after;
  return classifyFailure(
    { status: code, code, ...(retryAfter !== undefined ? { retryAfterMs: retryAfter * 1000 } : {}) },
    message,
    tooLong ? { tooLarge: new Set([code]) } : {},
  );
}

import { DeliveryError, type ActionButton, type OutboundEnvelope, type SentMessage } from '../../core/plugin';
import { TelegramApiError, type BotApi } from './api';
import { isParseError, toDeliveryError } from './errors';
import { inlineKeyboard } from './keyboard';
import type { TelegramOptions } from './options';
import { renderTexts } from './outbound';

/** `<chat_id>:<message_id>`, as inbound envelopes and receipts carry Telegram message ids. */
export function parseMessageId(id: string): { chatId: string; messageId: number } {
  const m = /^(-?\d{1,20}|@[A-Za-z0-9_]+):(\d{1,12})(?::.*)?$/.exec(id);
  if (!m)
    throw DeliveryError.permanent(`"${id}" is not a Telegram message id: use <chat_id>:<message_id> as envelopes carry it`, {
      code: 'E_SCHEMA',
    });
  return { chatId: m[1]!, messageId: Number(m[2]) };
}

/** What Telegram answers when an edit changes nothing: for us the message already shows the snapshot. */
export const notModified = (err: unknown) => err instanceof TelegramApiError && /message is not modified/i.test(err.description);

/** What `send()` keeps of a message: whether its first part is a file with a caption (edited with editMessageCaption). */
export interface SentHandle {
  caption?: boolean;
}

/** The one message text of an edit (an edit cannot split a message), with its plain fallback. */
export function editText(env: OutboundEnvelope, options: Pick<TelegramOptions, 'parseMode'>, limit: 'text' | 'caption') {
  const texts = renderTexts(env.text ?? '', env.format, options.parseMode).filter((t) => t.plain.trim() !== '');
  const max = limit === 'caption' ? 1024 : 4096;
  if (texts.length > 1 || (texts[0] && texts[0].plain.length > max))
    throw DeliveryError.permanent(
      `the edited text is too long for one Telegram message (${limit === 'caption' ? 'a caption holds 1024 characters' : 'a message holds 4096 characters'}; an edit cannot split it)`,
      { code: 'E_TOO_LARGE' },
    );
  return texts[0];
}

/**
 * Edits and deletes of messages `send()` created. An edit replaces the first message's text (or a
 * file's caption) and its buttons; the other pieces of a split message are deleted, so the message shows
 * exactly the snapshot. "message is not modified" means it already does. A delete removes every piece;
 * past Telegram's 48 hours it fails with Telegram's own words.
 */
export class Edits {
  constructor(
    private readonly api: BotApi,
    private readonly options: Pick<TelegramOptions, 'parseMode'>,
  ) {}

  async edit(env: OutboundEnvelope, target: SentMessage, actions: ActionButton[], signal: AbortSignal): Promise<void> {
    const [first, ...rest] = target.messageIds.map(parseMessageId);
    if (!first) throw DeliveryError.permanent('the message has no Telegram message to edit', { code: 'E_SCHEMA' });
    const caption = (target.handle as SentHandle | undefined)?.caption === true;
    const text = editText(env, this.options, caption ? 'caption' : 'text');
    if (!text && !caption) throw DeliveryError.permanent('text is empty: Telegram does not show empty messages', { code: 'E_SCHEMA' });
    const markup = inlineKeyboard(actions);
    const base = { chat_id: first.chatId, message_id: first.messageId, ...(markup ? { reply_markup: markup } : {}) };
    const field = caption ? 'caption' : 'text';
    const params = { ...base, [field]: text?.text ?? '', ...(text?.parseMode ? { parse_mode: text.parseMode } : {}) };
    await this.call(caption ? 'editMessageCaption' : 'editMessageText', params, { ...base, [field]: text?.plain ?? '' }, signal).catch(
      (err: unknown) => {
        throw toDeliveryError(err);
      },
    );
    for (const piece of rest) await this.remove(piece, signal, true);
  }

  async delete(target: SentMessage, signal: AbortSignal): Promise<void> {
    for (const id of target.messageIds) await this.remove(parseMessageId(id), signal, false);
  }

  /** One editMessage* call: the markup refused → plain text; not modified → done. Throws Telegram's error as it is. */
  async call(method: string, params: Record<string, unknown>, plain: Record<string, unknown>, signal: AbortSignal): Promise<void> {
    try {
      await this.api.call(method, params, { signal });
    } catch (err) {
      if (notModified(err)) return;
      if (isParseError(err) && params.parse_mode) return this.call(method, plain, plain, signal);
      throw err;
    }
  }

  /** A piece already gone (deleted before, a retry) is fine; anything else is Telegram's refusal, said as it is. */
  private async remove(m: { chatId: string; messageId: number }, signal: AbortSignal, quiet: boolean): Promise<void> {
    try {
      await this.api.call('deleteMessage', { chat_id: m.chatId, message_id: m.messageId }, { signal });
    } catch (err) {
      if (err instanceof TelegramApiError && /message to delete not found/i.test(err.description)) return;
      if (quiet && err instanceof TelegramApiError && err.errorCode === 400) return;
      if (err instanceof TelegramApiError && /can't be deleted/i.test(err.description))
        throw DeliveryError.permanent(
          `Telegram refused the delete: ${err.description} (bots can delete messages for everyone only within 48 hours of sending)`,
          { code: 'E_UNSUPPORTED', platformCode: err.errorCode },
        );
      throw toDeliveryError(err);
    }
  }
}

import { DeliveryError, chunkText, type OutboundEnvelope } from '../../core/plugin';
import { parseMarkdown } from './markdown';
import type { Upload } from './api';
import type { TelegramOptions } from './options';
import { toHtml, toMarkdownV2, toPlain } from './render';

/** Telegram's limit is 4096 characters after entity parsing; the margin covers counting differences. */
export const TEXT_LIMIT = 4000;

/** Bot API methods a `native` payload may call: ones that send, copy, edit or remove messages. */
const NATIVE_METHOD = /^(send|copy|forward|edit|delete|pin|unpin)[A-Z][A-Za-z]*$|^setMessageReaction$/;

/** One Bot API call of a delivery, and the plain-text call to make if Telegram refuses its markup. */
export interface Call {
  method: string;
  params: Record<string, unknown>;
  fallback?: Record<string, unknown>;
  /** A file to upload with the call (multipart), under `file.field`. */
  file?: Upload;
}

export interface Target {
  chatId: string;
  /** `reply_parameters` when the envelope answers a message. */
  reply?: { message_id: number; chat_id?: string };
}

const CHAT_ID = /^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$/;

/**
 * Where an envelope goes. `replyTo` is `<chat_id>:<message_id>` (what inbound envelopes carry, since
 * Telegram message ids count per chat) or a bare message id of `conversation.id`'s chat.
 */
export function targetOf(env: OutboundEnvelope): Target {
  let replyChat: string | undefined;
  let replyId: number | undefined;
  if (env.replyTo) {
    const m = /^(-?\d{1,20}|@[A-Za-z0-9_]+):(\d{1,12})(?::.*)?$/.exec(env.replyTo) ?? /^()(\d{1,12})$/.exec(env.replyTo);
    if (!m)
      throw DeliveryError.permanent(
        `replyTo "${env.replyTo}" is not a Telegram message id: use <chat_id>:<message_id> as inbound message.id carries it`,
        { code: 'E_SCHEMA' },
      );
    replyChat = m[1] || undefined;
    replyId = Number(m[2]);
  }
  const chatId = env.conversation?.id ?? replyChat;
  if (!chatId)
    throw DeliveryError.permanent(`replyTo "${env.replyTo}" names no chat: set conversation.id too, or use <chat_id>:<message_id>`, {
      code: 'E_SCHEMA',
    });
  if (!CHAT_ID.test(chatId))
    throw DeliveryError.permanent(
      `conversation.id "${chatId}" is not a Telegram chat id: a number such as 123456789 or -1001234567890, or @channelusername`,
      { code: 'E_SCHEMA' },
    );
  if (replyId === undefined) return { chatId };
  return { chatId, reply: { message_id: replyId, ...(replyChat && replyChat !== chatId ? { chat_id: replyChat } : {}) } };
}

/** The text of an envelope as message texts under the limit, each with its parse mode and plain fallback. */
export function renderTexts(
  text: string,
  format: OutboundEnvelope['format'],
  parseMode: TelegramOptions['parseMode'],
): Array<{ text: string; parseMode?: string; plain: string }> {
  if (format !== 'markdown') return chunkText(text, TEXT_LIMIT, (s) => s.length).map((t) => ({ text: t, plain: t }));
  // Cut the markdown, then render each piece: a code block cut in two is closed and reopened, never broken.
  const pieces = chunkText(text, TEXT_LIMIT, (s) => toPlain(parseMarkdown(s)).length);
  return pieces.map((md) => {
    const blocks = parseMarkdown(md);
    return { text: parseMode === 'HTML' ? toHtml(blocks) : toMarkdownV2(blocks), parseMode, plain: toPlain(blocks) };
  });
}

function nativePayload(env: OutboundEnvelope): { method: string; params: Record<string, unknown> } {
  const { method = 'sendMessage', ...params } = env.native as Record<string, unknown> & { method?: unknown };
  if (typeof method !== 'string' || !NATIVE_METHOD.test(method)) {
    throw DeliveryError.permanent(
      `native.method "${String(method)}" is not a Bot API method that sends or changes messages (sendMessage, sendPhoto, copyMessage, editMessageText, ...)`,
      { code: 'E_UNSUPPORTED' },
    );
  }
  return { method, params };
}

/**
 * The Bot API calls that deliver an envelope. Text is split under the limit and sent as one message
 * per piece; the first answers `replyTo`. `native` alone is one call passed through (`method`,
 * default sendMessage, with its parameters; chat_id and reply_parameters filled from the envelope
 * when absent); `native` next to `text` adds its parameters (e.g. `message_thread_id`) to every piece,
 * `reply_markup` to the last one only. `keyboard` (the envelope's buttons) goes under the last piece.
 */
export function planCalls(env: OutboundEnvelope, options: Pick<TelegramOptions, 'parseMode'>, keyboard?: object): Call[] {
  const target = targetOf(env);
  const base: Record<string, unknown> = { chat_id: target.chatId };
  const reply = target.reply ? { reply_parameters: { ...target.reply, allow_sending_without_reply: true } } : {};
  if (env.native && env.text === undefined) {
    const { method, params } = nativePayload(env);
    const replies = /^(send|copy)/.test(method) && !('reply_parameters' in params) && !('reply_to_message_id' in params);
    return [{ method, params: { ...base, ...(replies ? reply : {}), ...params, ...(keyboard ? { reply_markup: keyboard } : {}) } }];
  }
  let extra: Record<string, unknown> = {};
  if (env.native) {
    const { method, params } = nativePayload(env);
    if (method !== 'sendMessage')
      throw DeliveryError.permanent(
        `native.method "${method}" cannot go with text: text is sent with sendMessage (drop text, or drop native.method)`,
        { code: 'E_UNSUPPORTED' },
      );
    extra = params;
  }
  const { reply_markup: given, ...shared } = extra;
  const markup = keyboard ?? given;
  const texts = renderTexts(env.text ?? '', env.format, options.parseMode).filter((t) => t.plain.trim() !== '');
  if (!texts.length) throw DeliveryError.permanent('text is empty: Telegram does not send empty messages', { code: 'E_SCHEMA' });
  return texts.map((t, i) => {
    const own = {
      ...base,
      ...(i === 0 ? reply : {}),
      ...shared,
      ...(i === texts.length - 1 && markup !== undefined ? { reply_markup: markup } : {}),
    };
    return {
      method: 'sendMessage',
      params: { ...own, text: t.text, ...(t.parseMode ? { parse_mode: t.parseMode } : {}) },
      ...(t.parseMode ? { fallback: { ...own, text: t.plain } } : {}),
    };
  });
}

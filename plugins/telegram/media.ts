import {
  DeliveryError,
  classifyFailure,
  type MediaDownload,
  type MediaFile,
  type MediaKind,
  type MediaRequest,
  type OutboundEnvelope,
} from '../../core/plugin';
import { TelegramApiError, TelegramNetworkError, type BotApi } from './api';
import { toDeliveryError } from './errors';
import type { TelegramOptions } from './options';
import { planCalls, renderTexts, targetOf, type Call } from './outbound';

/** The cloud Bot API lets bots download files of at most 20 MB. */
export const DOWNLOAD_LIMIT = 20 * 1024 * 1024;
/** Uploads: photos up to 10 MB, other files up to 50 MB. */
export const UPLOAD_LIMITS: Record<MediaKind, number> = {
  image: 10 * 1024 * 1024,
  file: 50 * 1024 * 1024,
  audio: 50 * 1024 * 1024,
  video: 50 * 1024 * 1024,
};
/** A caption holds at most 1024 characters. */
export const CAPTION_LIMIT = 1024;

const SEND: Record<MediaKind, { method: string; field: string }> = {
  image: { method: 'sendPhoto', field: 'photo' },
  file: { method: 'sendDocument', field: 'document' },
  audio: { method: 'sendAudio', field: 'audio' },
  video: { method: 'sendVideo', field: 'video' },
};

const EXT: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'text/plain': 'txt',
};

interface TelegramFile {
  file_id: string;
  file_size?: number;
  file_path?: string;
}

/**
 * An inbound file's bytes: `getFile` names its path, then `/file/bot<token>/<file_path>` streams it.
 * Bots get files of at most 20 MB from the cloud Bot API: larger ones end in `E_TOO_LARGE` saying
 * so (a local Bot API server, set as `apiRoot`, has no such limit).
 */
export async function download(api: BotApi, req: MediaRequest, signal: AbortSignal): Promise<MediaDownload> {
  let file: TelegramFile;
  try {
    file = await api.call<TelegramFile>('getFile', { file_id: req.ref }, { signal });
  } catch (err) {
    if (err instanceof TelegramApiError && /file is too big/i.test(err.description))
      throw DeliveryError.permanent(
        `Telegram lets bots download files of at most 20 MB (${DOWNLOAD_LIMIT} bytes); getFile answered "${err.description}" for ${req.type} ${req.ref} of message ${req.messageId}`,
        { code: 'E_TOO_LARGE', platformCode: err.errorCode },
      );
    if (err instanceof TelegramApiError && /invalid file_id|wrong file/i.test(err.description))
      throw DeliveryError.permanent(
        `Telegram knows no file ${req.ref} for this bot (${err.description}): give a ref of a message this bot received`,
        {
          code: 'E_SCHEMA',
          platformCode: err.errorCode,
        },
      );
    throw toDeliveryError(err);
  }
  if (file.file_size !== undefined && file.file_size > DOWNLOAD_LIMIT)
    throw DeliveryError.permanent(
      `the file is ${file.file_size} bytes; Telegram lets bots download files of at most 20 MB (${DOWNLOAD_LIMIT} bytes)`,
      {
        code: 'E_TOO_LARGE',
      },
    );
  if (!file.file_path) throw DeliveryError.retryable(`getFile gave no file_path for ${req.ref}: the file is not ready yet`);
  let res: Response;
  try {
    res = await api.download(file.file_path, signal);
  } catch (err) {
    if (err instanceof TelegramNetworkError) throw classifyFailure({ network: true }, `download of ${req.ref}: ${err.message}`);
    throw err;
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw classifyFailure({ status: res.status }, `download of ${req.ref}: Telegram answered HTTP ${res.status}`);
  }
  const length = Number(res.headers.get('content-length'));
  const name = file.file_path.split('/').pop();
  return {
    body: res.body as unknown as AsyncIterable<Uint8Array>,
    mime: res.headers.get('content-type') ?? 'application/octet-stream',
    ...(Number.isFinite(length) && length > 0 ? { size: length } : file.file_size ? { size: file.file_size } : {}),
    ...(name ? { name } : {}),
  };
}

/**
 * The calls that send an envelope with files: one upload per file (sendPhoto, sendDocument,
 * sendAudio, sendVideo), the text as the first file's caption when it fits one (1024 characters),
 * else as messages before the files; the buttons go under the last message.
 */
export async function mediaCalls(
  env: OutboundEnvelope,
  files: MediaFile[],
  options: TelegramOptions,
  keyboard: object | undefined,
): Promise<Call[]> {
  const target = targetOf(env);
  const text = (env.text ?? '').trim() ? renderTexts(env.text ?? '', env.format, options.parseMode) : [];
  const caption = text.length === 1 && text[0]!.plain.length <= CAPTION_LIMIT ? text[0] : undefined;
  const calls: Call[] = text.length && !caption ? planCalls({ ...env, native: undefined } as OutboundEnvelope, options) : [];
  const reply = target.reply && !calls.length ? { reply_parameters: { ...target.reply, allow_sending_without_reply: true } } : {};
  for (const [i, f] of files.entries()) {
    const { method, field } = SEND[f.kind];
    const own: Record<string, unknown> = {
      chat_id: target.chatId,
      ...(i === 0 ? reply : {}),
      ...(i === files.length - 1 && keyboard ? { reply_markup: keyboard } : {}),
    };
    const first = i === 0 && caption;
    calls.push({
      method,
      params: { ...own, ...(first ? { caption: caption.text, ...(caption.parseMode ? { parse_mode: caption.parseMode } : {}) } : {}) },
      ...(first && caption.parseMode ? { fallback: { ...own, caption: caption.plain } } : {}),
      file: { field, data: await f.read(), name: f.name ?? `${f.kind}.${EXT[f.mime] ?? 'bin'}`, mime: f.mime },
    });
  }
  return calls;
}

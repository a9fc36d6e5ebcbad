import type { RawFile } from '@discordjs/rest';
import {
  DeliveryError,
  classifyFailure,
  fileNameOf,
  type FetchLike,
  type MediaDownload,
  type MediaFile,
  type MediaRequest,
} from '../../core/plugin';
import type { DiscordApi } from './api';
import { parseMessageId } from './ids';

/** Discord's upload limit without boosts: 10 MiB per message (all files together). */
export const DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024;

/** Files both ways: uploads as `files[n]` of a multipart message, downloads from the attachment's CDN URL. */
export class Media {
  constructor(
    private readonly api: DiscordApi,
    private readonly fetch: FetchLike,
    private readonly maxBytes: number,
  ) {}

  /** The attachments as the files of one message; over the limit (all together): E_TOO_LARGE, before anything is sent. */
  async files(attachments: MediaFile[]): Promise<RawFile[]> {
    const total = attachments.reduce((n, f) => n + f.size, 0);
    if (total > this.maxBytes)
      throw DeliveryError.permanent(
        `the attachments are ${total} bytes; Discord takes at most ${this.maxBytes} bytes per message (option maxUploadBytes)`,
        { code: 'E_TOO_LARGE', platformCode: 40005 },
      );
    return Promise.all(
      attachments.map(async (f) => ({
        name: fileNameOf(f),
        data: await f.read(),
        contentType: f.mime,
      })),
    );
  }

  /**
   * The bytes of an attachment: the message is read again for a fresh signed URL (Discord's CDN links
   * expire), then the file is fetched from the CDN without the bot token.
   */
  async download(req: MediaRequest, signal: AbortSignal): Promise<MediaDownload> {
    const { channel, message } = parseMessageId(req.messageId);
    const m = await this.api.getMessage(channel, message, signal);
    const a = m.attachments?.find((x) => x.id === req.ref);
    if (!a?.url) throw DeliveryError.permanent(`message ${req.messageId} has no attachment ${req.ref}`);
    const url = a.url;
    const res = await this.fetch(url, { signal }).catch((err: Error) => {
      throw classifyFailure({ network: true }, `download of attachment ${req.ref}: no answer from Discord's CDN: ${err.message}`);
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw classifyFailure({ status: res.status }, `download of attachment ${req.ref}: Discord's CDN answered HTTP ${res.status}`);
    }
    const length = Number(res.headers.get('content-length'));
    return {
      body: res.body as unknown as AsyncIterable<Uint8Array>,
      mime: a.content_type ?? res.headers.get('content-type') ?? 'application/octet-stream',
      ...(Number.isFinite(length) && length > 0 ? { size: length } : a.size ? { size: a.size } : {}),
      name: a.filename,
    };
  }
}

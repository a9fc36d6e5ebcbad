import { decryptFile, type WSClient, type WeComMediaType } from '@wecom/aibot-node-sdk';
import type { Logger } from 'pino';
import {
  BoundedMap,
  DeliveryError,
  classifyFailure,
  type FetchLike,
  type MediaDownload,
  type MediaFile,
  type MediaRequest,
  type PluginStore,
} from '../../core/plugin';
import { describeFailure, toDeliveryError } from './errors';
import type { MediaSource } from './inbound';

/** WeCom's limits for temporary media (bytes): images and videos 10 MB, voice (AMR) 2 MB, files 20 MB. */
export const LIMITS = { image: 10 * 1024 * 1024, video: 10 * 1024 * 1024, voice: 2 * 1024 * 1024, file: 20 * 1024 * 1024 };

const MAGIC: Array<[number[], string]> = [
  [[0x89, 0x50, 0x4e, 0x47], 'image/png'],
  [[0xff, 0xd8, 0xff], 'image/jpeg'],
  [[0x47, 0x49, 0x46, 0x38], 'image/gif'],
  [[0x25, 0x50, 0x44, 0x46], 'application/pdf'],
];

async function* once(bytes: Buffer): AsyncIterable<Uint8Array> {
  yield bytes;
}

/** What the bytes are, from their first bytes (WeCom serves every file as application/octet-stream). */
function sniff(bytes: Buffer): string | undefined {
  return MAGIC.find(([sig]) => sig.every((b, i) => bytes[i] === b))?.[1];
}

function filenameOf(disposition: string | null): string | undefined {
  if (!disposition) return undefined;
  const utf8 = /filename\*=UTF-8''([^;\s]+)/i.exec(disposition)?.[1];
  if (utf8) return decodeURIComponent(utf8);
  return /filename="?([^";]+)"?/i.exec(disposition)?.[1];
}

/** WeCom's type for an attachment: voice only for AMR audio (all WeCom plays), other audio as a file. */
export function uploadType(f: MediaFile): WeComMediaType {
  if (f.kind === 'image' || f.kind === 'video') return f.kind;
  if (f.kind === 'audio' && f.mime === 'audio/amr') return 'voice';
  return 'file';
}

/**
 * Files both ways. Inbound: a message's media URL and AES key are kept (`ctx.store`) under the part's
 * ref; `fetchMedia` downloads the encrypted bytes and decrypts them with the SDK's `decryptFile`. WeCom's
 * URLs work for 5 minutes only: use `media: { eager: [image, file, video] }` for files agents read later.
 * Outbound: the SDK's three-step upload over the long connection, then a media message.
 */
export class Media {
  private readonly recent = new BoundedMap<string, MediaSource>(5000);

  constructor(
    private readonly store: PluginStore,
    private readonly fetch: FetchLike,
    private readonly log: Logger,
  ) {}

  async remember(msgid: string, sources: MediaSource[]): Promise<void> {
    for (const s of sources) {
      this.recent.set(`${msgid}.${s.ref}`, s);
      await this.store.put(`media.${msgid}.${s.ref}`, JSON.stringify(s)).catch((err: Error) => {
        this.log.warn({ msgid, err: err.message }, 'where a media part is could not be written to NATS; kept in memory');
      });
    }
  }

  async download(req: MediaRequest, signal: AbortSignal): Promise<MediaDownload> {
    const key = `${req.messageId}.${req.ref}`;
    let source = this.recent.get(key);
    if (!source) {
      const raw = await this.store.get(`media.${key}`).catch((err: Error) => {
        throw DeliveryError.retryable(`where the media is could not be read from NATS: ${err.message}`);
      });
      source = raw ? (JSON.parse(raw) as MediaSource) : undefined;
    }
    if (!source) throw DeliveryError.permanent(`message ${req.messageId} has no media part ${req.ref} this channel received`);
    const res = await this.fetch(source.url, { signal }).catch((err: Error) => {
      throw classifyFailure({ network: true }, `download of ${req.ref}: no answer from WeCom: ${err.message}`);
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      const why = res.status === 403 ? ' (WeCom media URLs expire 5 minutes after the message: set media.eager for this kind)' : '';
      throw classifyFailure({ status: res.status }, `download of ${req.ref}: WeCom answered HTTP ${res.status}${why}`);
    }
    let bytes: Buffer;
    try {
      bytes = decryptFile(Buffer.from(await res.arrayBuffer()), source.aeskey);
    } catch (err) {
      throw DeliveryError.permanent(`download of ${req.ref}: ${(err as Error).message}`);
    }
    const name = filenameOf(res.headers.get('content-disposition'));
    const mime = sniff(bytes) ?? 'application/octet-stream';
    return { body: once(bytes), size: bytes.length, mime, ...(name ? { name } : {}) };
  }

  /** Uploads `f` and sends it to `chat` as a media message; returns the message's id (the send's req_id). */
  async send(client: WSClient, f: MediaFile, chat: string): Promise<string> {
    const type = uploadType(f);
    const limit = LIMITS[type];
    if (f.size > limit)
      throw DeliveryError.permanent(`${f.name ?? f.object} is ${f.size} bytes; WeCom takes ${type} files up to ${limit} bytes`, {
        code: 'E_TOO_LARGE',
      });
    const filename = f.name ?? `${f.kind}.${f.mime.split('/')[1] ?? 'bin'}`;
    let mediaId: string;
    try {
      mediaId = (await client.uploadMedia(await f.read(), { type, filename })).media_id;
    } catch (err) {
      throw toDeliveryError(describeFailure(err), `upload of ${filename}`);
    }
    try {
      const ack = await client.sendMediaMessage(chat, type, mediaId);
      return ack.headers.req_id;
    } catch (err) {
      throw toDeliveryError(describeFailure(err), `send of ${filename}`);
    }
  }
}

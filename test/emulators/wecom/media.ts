import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { CHUNK_LIMIT, MAX_CHUNKS, MEDIA_LIMITS, type ErrName } from './types';

/** An inbound file as WeCom serves it: AES-256-CBC, key = the message's `aeskey`, IV its first 16 bytes, PKCS#7 to 32 bytes. */
export function encrypt(bytes: Buffer, aeskey: string): Buffer {
  const key = Buffer.from(aeskey, 'base64');
  const pad = 32 - (bytes.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([bytes, Buffer.alloc(pad, pad)])), cipher.final()]);
}

export const newAesKey = () => randomBytes(32).toString('base64');

interface Upload {
  botId: string;
  type: string;
  filename: string;
  size: number;
  chunks: Array<Buffer | undefined>;
  md5?: string;
}

export interface StoredMedia {
  botId: string;
  type: string;
  filename: string;
  bytes: Buffer;
}

type Result<T> = { ok: T } | { err: ErrName; why: string };

/** Temporary media of the three-step upload (`aibot_upload_media_init` / `_chunk` / `_finish`). */
export class MediaStore {
  private readonly uploads = new Map<string, Upload>();
  readonly media = new Map<string, StoredMedia>();
  private n = 0;

  init(botId: string, body: Record<string, unknown>): Result<{ upload_id: string }> {
    const type = String(body.type ?? '');
    const size = Number(body.total_size);
    const chunks = Number(body.total_chunks);
    if (!(type in MEDIA_LIMITS)) return { err: 'invalidType', why: `type ${type}` };
    if (typeof body.filename !== 'string' || !body.filename) return { err: 'invalidParam', why: 'filename' };
    if (!Number.isInteger(size) || size <= 0 || size > MEDIA_LIMITS[type]!) return { err: 'invalidSize', why: `${size} bytes for ${type}` };
    if (!Number.isInteger(chunks) || chunks < 1 || chunks > MAX_CHUNKS || chunks < Math.ceil(size / CHUNK_LIMIT))
      return { err: 'invalidParam', why: `total_chunks ${chunks}` };
    const id = `up_${++this.n}_${randomBytes(4).toString('hex')}`;
    this.uploads.set(id, {
      botId,
      type,
      filename: body.filename,
      size,
      chunks: new Array<Buffer | undefined>(chunks).fill(undefined),
      ...(typeof body.md5 === 'string' ? { md5: body.md5 } : {}),
    });
    return { ok: { upload_id: id } };
  }

  chunk(botId: string, body: Record<string, unknown>): Result<Record<string, never>> {
    const up = this.uploads.get(String(body.upload_id));
    if (!up || up.botId !== botId) return { err: 'invalidParam', why: 'upload_id' };
    const i = Number(body.chunk_index);
    // The SDK counts chunks from 0 (its type docs say 1): the platform takes what the SDK sends.
    if (!Number.isInteger(i) || i < 0 || i >= up.chunks.length) return { err: 'invalidParam', why: `chunk_index ${i}` };
    const bytes = Buffer.from(String(body.base64_data ?? ''), 'base64');
    if (!bytes.length || bytes.length > CHUNK_LIMIT) return { err: 'invalidSize', why: `chunk of ${bytes.length} bytes` };
    up.chunks[i] = bytes;
    return { ok: {} };
  }

  finish(botId: string, body: Record<string, unknown>): Result<{ type: string; media_id: string; created_at: string }> {
    const id = String(body.upload_id);
    const up = this.uploads.get(id);
    if (!up || up.botId !== botId) return { err: 'invalidParam', why: 'upload_id' };
    if (up.chunks.some((c) => !c)) return { err: 'invalidParam', why: 'missing chunks' };
    const bytes = Buffer.concat(up.chunks as Buffer[]);
    if (bytes.length !== up.size) return { err: 'invalidSize', why: `${bytes.length} bytes uploaded, ${up.size} announced` };
    if (up.md5 && createHash('md5').update(bytes).digest('hex') !== up.md5) return { err: 'invalidParam', why: 'md5' };
    this.uploads.delete(id);
    const mediaId = `media_${++this.n}_${randomBytes(6).toString('hex')}`;
    this.media.set(mediaId, { botId, type: up.type, filename: up.filename, bytes });
    return { ok: { type: up.type, media_id: mediaId, created_at: String(Math.floor(Date.now() / 1000)) } };
  }

  /** A media_id this bot uploaded, of a type that fits `msgtype`. */
  get(botId: string, mediaId: unknown, msgtype: string): StoredMedia | undefined {
    const m = this.media.get(String(mediaId));
    return m && m.botId === botId && m.type === msgtype ? m : undefined;
  }
}

import { randomUUID } from 'node:crypto';
import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { Objm, type ObjectInfo, type ObjectStore } from '@nats-io/obj';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { ensureReplicas, replicaError } from '../bus/replicas';
import type { MediaKind } from '../contract/schemas';
import { DeliveryError, GatewayError } from '../errors';
import type { MediaFile } from '../plugin/types';
import { collect, objectChunks, type ObjectErrors } from './object-stream';

const READ_ERRORS: ObjectErrors = {
  gone: (name) => DeliveryError.permanent(`object "${name}" is gone from the media bucket (expired?)`, { code: 'E_SCHEMA' }),
  broken: (name, err) => DeliveryError.retryable(`reading "${name}" from the media bucket failed: ${err.message}`),
};

/** What the gateway keeps about a file besides its bytes, in the object's metadata. */
interface FileMeta {
  kind: MediaKind;
  mime: string;
  name?: string;
}

export interface MediaSettings {
  ttlMs: number;
  maxBytes: number;
  replicas?: number;
}

/** A file's kind from its MIME type: what a platform shows it as. */
export function kindOfMime(mime: string): MediaKind {
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime.startsWith('video/')) return 'video';
  return 'file';
}

/**
 * The media bucket `<prefix>_media`: a NATS Object Store every replica and every agent (nats.js,
 * nats.py, nats.go) reads and writes. Objects expire after `media.ttl`; none is larger than
 * `media.maxBytes` (a put that passes it fails and leaves nothing behind: the Object Store writes an
 * object's info only after its last chunk, so a half-written object never looks complete).
 */
export class MediaStore {
  private constructor(
    private readonly os: ObjectStore,
    readonly maxBytes: number,
  ) {}

  static async open(nc: NatsConnection, bucket: string, settings: MediaSettings, log?: Logger): Promise<MediaStore> {
    const replicas = settings.replicas ?? 1;
    try {
      const os = await new Objm(nc).create(bucket, {
        storage: StorageType.File,
        ttl: nanos(settings.ttlMs),
        replicas,
        description: 'chat-gateway media: files received from and sent to chat platforms',
      });
      // An existing bucket keeps what it was created with: its stream is changed in place.
      if (settings.replicas !== undefined && log) await ensureReplicas(await jetstreamManager(nc), nc, `OBJ_${bucket}`, replicas, log);
      return new MediaStore(os, settings.maxBytes);
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      const refused = replicaError(err, nc, `the media bucket ${bucket}`, replicas);
      if (refused) throw refused;
      throw new GatewayError(
        'E_NATS',
        `cannot open the media bucket ${bucket}: ${(err as Error).message}`,
        'the NATS server needs JetStream (nats-server -js)',
      );
    }
  }

  /**
   * Stores `body` under `name` (replacing what was there). Over `limit` bytes it rejects with
   * `E_TOO_LARGE` naming the limit; when `expectedSize` is given, a body that ends short or runs long
   * of it is refused as a broken download.
   */
  async put(
    name: string,
    body: AsyncIterable<Uint8Array> | Uint8Array,
    meta: FileMeta,
    opts: { limit?: number; expectedSize?: number } = {},
  ): Promise<MediaFile> {
    const limit = Math.min(opts.limit ?? this.maxBytes, this.maxBytes);
    let size = 0;
    const source = body instanceof Uint8Array ? [body] : body;
    const counted = new ReadableStream<Uint8Array>({
      start: async (controller) => {
        try {
          for await (const chunk of source) {
            size += chunk.byteLength;
            if (size > limit)
              throw DeliveryError.permanent(`the file is larger than ${limit} bytes (${describeLimit(limit, this.maxBytes)})`, {
                code: 'E_TOO_LARGE',
              });
            controller.enqueue(chunk);
          }
          if (opts.expectedSize !== undefined && size !== opts.expectedSize) {
            throw DeliveryError.retryable(`the download ended after ${size} of ${opts.expectedSize} bytes`);
          }
          controller.close();
        } catch (err) {
          controller.error(err);
        }
      },
    });
    let info: ObjectInfo;
    try {
      info = await this.os.put(
        { name, metadata: { kind: meta.kind, mime: meta.mime, ...(meta.name ? { filename: meta.name } : {}) } },
        counted,
      );
    } catch (err) {
      if (err instanceof DeliveryError) throw err;
      const cause = (err as { cause?: unknown }).cause;
      if (cause instanceof DeliveryError) throw cause;
      throw DeliveryError.retryable(`the media bucket refused the file: ${(err as Error).message}`);
    }
    return this.file(info);
  }

  /** Stores `body` under a fresh name in `folder` (`<channel>/<account>/up`, `agent`...). */
  putNew(folder: string, body: AsyncIterable<Uint8Array> | Uint8Array, meta: FileMeta): Promise<MediaFile> {
    return this.put(`${folder}/${randomUUID()}${meta.name ? `/${meta.name.replace(/[^\w.-]+/g, '_')}` : ''}`, body, meta);
  }

  /** The file called `name`, or undefined when there is none (never stored, or expired). */
  async get(name: string): Promise<MediaFile | undefined> {
    const info = await this.os.info(name);
    return info && !info.deleted ? this.file(info) : undefined;
  }

  private file(info: ObjectInfo): MediaFile {
    const meta = info.metadata ?? {};
    const mime = meta.mime || 'application/octet-stream';
    const os = this.os;
    return {
      object: info.name,
      kind: (meta.kind as MediaKind | undefined) ?? kindOfMime(mime),
      size: info.size,
      mime,
      digest: info.digest,
      ...(meta.filename ? { name: meta.filename } : {}),
      stream: () => objectChunks(os, info.name, READ_ERRORS),
      read: () => collect(objectChunks(os, info.name, READ_ERRORS)),
    };
  }
}

function describeLimit(limit: number, maxBytes: number): string {
  return limit < maxBytes ? "the platform's limit for this kind of file" : 'media.maxBytes';
}

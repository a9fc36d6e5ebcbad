import { randomUUID } from 'node:crypto';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Attachment, InboundEnvelope, MediaKind, MediaReply, Part } from '../contract/schemas';
import type { Subjects } from '../contract/subjects';
import { collect, objectChunks } from '../media/object-stream';
import type { MediaObject } from '../plugin/types';
import { AgentError } from './agent-error';

/** A media part's bytes, stored in the media bucket by the gateway. */
export interface Download extends MediaObject {
  /** All the bytes. */
  bytes(): Promise<Buffer>;
}

type MediaPart = Extract<Part, { ref: string }>;

/** Reads and writes the media bucket (`<prefix>_media`) for the agent client. */
export class AgentMedia {
  private bucket?: Promise<ObjectStore>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly timeoutMs: number,
  ) {}

  /**
   * The bytes of a media part of an inbound message: the gateway downloads them from the platform into
   * the media bucket (once; asking again costs nothing) and they are read from there.
   */
  async download(msg: InboundEnvelope, part: MediaPart): Promise<Download> {
    let object = part.object;
    let reply: Extract<MediaReply, { ok: true }> | undefined;
    if (!object) {
      const subject = this.subjects.media(msg.channel, msg.account);
      let answer: MediaReply;
      try {
        const m = await this.nc.request(subject, JSON.stringify({ messageId: msg.message.id, ref: part.ref, type: part.type }), {
          timeout: this.timeoutMs,
        });
        answer = m.json<MediaReply>();
      } catch (err) {
        throw new AgentError(
          'E_TIMEOUT',
          `no answer on ${subject} within ${this.timeoutMs} ms: is a gateway running with this prefix? (${(err as Error).message})`,
          { retryable: true },
        );
      }
      if (!answer.ok) {
        throw new AgentError(answer.error.code, answer.error.message, {
          retryable: answer.error.code === 'E_RATE_LIMITED',
          ...(answer.error.platformCode !== undefined ? { platformCode: answer.error.platformCode } : {}),
        });
      }
      reply = answer;
      object = answer.object;
    }
    const os = await this.store();
    const info = await os.info(object);
    if (!info)
      throw new AgentError('E_SCHEMA', `object "${object}" is not in the media bucket (expired after media.ttl?)`, { retryable: false });
    const stream = () =>
      objectChunks(os, object!, {
        gone: (n) => new AgentError('E_SCHEMA', `object "${n}" is gone from the media bucket`, { retryable: false }),
        broken: (n, err) => new AgentError('E_PLATFORM', `reading "${n}" failed: ${err.message}`, { retryable: true }),
      });
    const name = reply?.name ?? info.metadata?.filename;
    return {
      object,
      size: info.size,
      mime: reply?.mime ?? info.metadata?.mime ?? part.mime ?? 'application/octet-stream',
      digest: info.digest,
      ...(name ? { name } : {}),
      stream,
      bytes: () => collect(stream()),
    };
  }

  /** Puts bytes into the media bucket and returns the attachment that sends them. */
  async upload(
    data: Uint8Array | AsyncIterable<Uint8Array>,
    meta: { name?: string; mime?: string; kind?: MediaKind },
  ): Promise<Attachment> {
    const mime = meta.mime ?? 'application/octet-stream';
    const kind =
      meta.kind ??
      (mime.startsWith('image/') ? 'image' : mime.startsWith('audio/') ? 'audio' : mime.startsWith('video/') ? 'video' : 'file');
    const object = `agent/${randomUUID()}${meta.name ? `/${meta.name.replace(/[^\w.-]+/g, '_')}` : ''}`;
    const source = data instanceof Uint8Array ? [data] : data;
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        try {
          for await (const chunk of source) controller.enqueue(chunk);
          controller.close();
        } catch (err) {
          controller.error(err);
        }
      },
    });
    const os = await this.store();
    await os.put({ name: object, metadata: { kind, mime, ...(meta.name ? { filename: meta.name } : {}) } }, body);
    return { object, kind, mime, ...(meta.name ? { name: meta.name } : {}) };
  }

  private store(): Promise<ObjectStore> {
    this.bucket ??= new Objm(this.nc).open(this.subjects.mediaBucket).catch((err: Error) => {
      this.bucket = undefined;
      throw new AgentError(
        'E_UNKNOWN_ACCOUNT',
        `the media bucket ${this.subjects.mediaBucket} cannot be opened: ${err.message} (is a gateway with this prefix running?)`,
        { retryable: true },
      );
    });
    return this.bucket;
  }
}

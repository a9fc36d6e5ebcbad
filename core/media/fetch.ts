import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { MediaKind, MediaReply, MediaRequest } from '../contract/schemas';
import { DeliveryError } from '../errors';
import type { ResolvedCapabilities } from '../plugin/capabilities';
import type { InboundDraft } from '../plugin/drafts';
import { deadline } from '../plugin/timing';
import type { ChannelAdapter } from '../plugin/types';
import { toDeliveryError } from '../errors';
import { kindOfMime, type MediaStore } from './store';

/** The deterministic name of an inbound media part's bytes: asking twice finds them where the first ask put them. */
export function inboundObjectName(channel: string, account: string, req: MediaRequest): string {
  const hash = createHash('sha256').update(`${req.messageId}\n${req.ref}\n${req.type}`).digest('base64url').slice(0, 32);
  return `${channel}/${account}/in/${hash}`;
}

/**
 * Downloads inbound media from the platform into the media bucket, once per part: concurrent asks for
 * the same part share one download, and a part already stored is answered from the bucket.
 */
export class MediaFetcher {
  private readonly pending = new Map<string, Promise<MediaReply>>();

  constructor(
    private readonly store: MediaStore,
    private readonly names: { channel: string; account: string },
    private readonly adapter: () => ChannelAdapter | undefined,
    private readonly caps: ResolvedCapabilities,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {}

  /** The object holding the part's bytes, or why there is none. Never rejects. */
  fetch(req: MediaRequest): Promise<MediaReply> {
    const name = inboundObjectName(this.names.channel, this.names.account, req);
    let p = this.pending.get(name);
    if (!p) {
      p = this.download(name, req).catch((err) => failure(err));
      this.pending.set(name, p);
      void p.finally(() => this.pending.delete(name));
    }
    return p;
  }

  /**
   * The draft with its media parts of the `kinds` listed stored first (`media.eager`), each part then
   * carrying `object`, `size` and `mime`. A part that cannot be stored within `budgetMs` goes as it
   * is: an eager download never blocks or loses a message.
   */
  async eagerly(draft: InboundDraft, kinds: MediaKind[], budgetMs: number): Promise<InboundDraft> {
    const wanted = draft.parts.filter((p) => 'ref' in p && (kinds as string[]).includes(p.type));
    if (!wanted.length) return draft;
    const parts = await Promise.all(
      draft.parts.map(async (p) => {
        if (!('ref' in p) || !wanted.includes(p)) return p;
        const reply = await deadline(
          this.fetch({ messageId: draft.messageId, ref: p.ref, type: p.type }),
          budgetMs,
          'eager media download',
        ).catch((err: Error) => failure(err));
        if (!reply.ok) {
          this.log.warn(
            { messageId: draft.messageId, ref: p.ref, err: reply.error.message },
            'eager media download failed; the message goes without the bytes (agents can ask chat.media later)',
          );
          return p;
        }
        return { ...p, object: reply.object, size: reply.size, mime: reply.mime };
      }),
    );
    return { ...draft, parts };
  }

  private async download(name: string, req: MediaRequest): Promise<MediaReply> {
    const kind: MediaKind = req.type === 'sticker' ? 'image' : req.type;
    const existing = await this.store.get(name);
    if (existing) return reply(existing);
    const adapter = this.adapter();
    if (!adapter?.fetchMedia || !this.caps.media.kinds.length) {
      throw DeliveryError.permanent(`${this.names.channel} does not download media`, { code: 'E_UNSUPPORTED' });
    }
    const ac = new AbortController();
    const run = async () => {
      const download = await adapter.fetchMedia!(req, { signal: ac.signal });
      const mime = download.mime ?? 'application/octet-stream';
      // Inbound files are limited by media.maxBytes alone: the platform already took them.
      const meta = { kind: req.type === 'sticker' ? kindOfMime(mime) : kind, mime, ...(download.name ? { name: download.name } : {}) };
      return this.store.put(name, download.body, meta, download.size !== undefined ? { expectedSize: download.size } : {});
    };
    try {
      const file = await deadline(run(), this.timeoutMs, 'media download', () =>
        DeliveryError.retryable(`the download took longer than ${this.timeoutMs} ms (media.fetchTimeout)`),
      );
      this.log.debug({ object: name, size: file.size, mime: file.mime }, 'media stored');
      return reply(file);
    } finally {
      ac.abort();
    }
  }
}

function reply(file: { object: string; size: number; mime: string; digest: string; name?: string }): MediaReply {
  return {
    ok: true,
    object: file.object,
    size: file.size,
    mime: file.mime,
    digest: file.digest,
    ...(file.name ? { name: file.name } : {}),
  };
}

function failure(err: unknown): MediaReply {
  const e = toDeliveryError(err);
  return {
    ok: false,
    error: { code: e.code, message: e.message, ...(e.platformCode !== undefined ? { platformCode: e.platformCode } : {}) },
  };
}

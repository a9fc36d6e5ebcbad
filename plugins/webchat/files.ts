import type { IncomingMessage, ServerResponse } from 'node:http';
import { DeliveryError, type MediaFile, type PluginContext } from '../../core/plugin';
import type { Identities, Visitor } from './identity';
import type { PageFile } from './protocol';

/** Image types the page shows inline; every other file is served as a download. */
const INLINE_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
/** How long an upload receipt may wait for the message that sends it. */
const RECEIPT_SECONDS = 3600;

/** `10 MB`, `1.5 MB`, `300 KB`: a size as the page and the errors say it. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Number((n / (1024 * 1024)).toFixed(1))} MB`;
  if (n >= 1024) return `${Number((n / 1024).toFixed(1))} KB`;
  return `${n} bytes`;
}

/** An uploaded file, as the upload receipt names it. */
export interface Uploaded {
  object: string;
  visitor: string;
  name: string;
  mime: string;
  size: number;
  kind: string;
}

/**
 * Files both ways through the media bucket. A visitor's upload (`POST <page>/upload`, the raw bytes) is
 * stored at once and answered with a receipt sealed to that visitor, which the message frame then
 * names, so a page cannot attach another visitor's object. An agent's attachment is served at
 * `GET <page>/file?k=<sealed link>`: unguessable, bound to one object, expiring after `fileLinkSeconds`.
 */
export class Files {
  constructor(
    private readonly ctx: PluginContext,
    private readonly identities: Identities,
    private readonly limits: { maxFileBytes: number; linkSeconds: number },
  ) {}

  /** A link to a file of the bucket, for the page. */
  link(file: MediaFile, base: string): PageFile {
    const k = this.identities.seal('file', { o: file.object }, this.limits.linkSeconds);
    return {
      url: `${base}/file?k=${k}`,
      name: file.name ?? file.object.split('/').pop()!,
      mime: file.mime,
      size: file.size,
      kind: file.kind,
    };
  }

  /** The file an upload receipt names, if it is this visitor's and not expired. */
  uploaded(receipt: string, visitor: string): Uploaded | undefined {
    const c = this.identities.unseal('upload', receipt);
    if (!c || c.v !== visitor) return undefined;
    return { object: String(c.o), visitor, name: String(c.n), mime: String(c.m), size: Number(c.s), kind: String(c.k) };
  }

  /** `POST /upload`: the body is the file; `x-file-name` its name (URI-encoded), `content-type` its type. */
  async upload(req: IncomingMessage, res: ServerResponse, visitor: Visitor): Promise<void> {
    const limit = this.limits.maxFileBytes;
    const tooLarge = (size: string) =>
      refuse(res, 413, 'E_TOO_LARGE', `the file is ${size}; this chat takes files up to ${formatBytes(limit)}`, { limit });
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limit) {
      req.resume();
      return tooLarge(formatBytes(declared));
    }
    let name = 'file';
    try {
      name = decodeURIComponent(String(req.headers['x-file-name'] ?? 'file')).slice(0, 200) || 'file';
    } catch {
      return refuse(res, 400, 'E_SCHEMA', 'x-file-name must be URI-encoded');
    }
    const mime =
      String(req.headers['content-type'] ?? 'application/octet-stream')
        .split(';')[0]!
        .trim() || 'application/octet-stream';
    let received = 0;
    const body = (async function* () {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        received += chunk.length;
        if (received > limit) throw DeliveryError.permanent(`over ${formatBytes(limit)}`, { code: 'E_TOO_LARGE' });
        yield chunk;
      }
    })();
    let file: MediaFile;
    try {
      file = await this.ctx.media.put(body, { name, mime, ...(INLINE_IMAGES.has(mime) ? { kind: 'image' as const } : {}) });
    } catch (err) {
      req.resume();
      const e = err as DeliveryError;
      if (e.code === 'E_TOO_LARGE') return tooLarge(received > limit ? `over ${formatBytes(limit)}` : formatBytes(received));
      this.ctx.logger.warn({ visitor: visitor.id, err: e.message }, 'web chat upload not stored');
      return refuse(res, 503, e.code ?? 'E_NATS', `the file could not be stored, try again: ${e.message}`);
    }
    const kind = INLINE_IMAGES.has(file.mime) ? 'image' : file.kind === 'image' ? 'file' : file.kind;
    const claims = { o: file.object, v: visitor.id, n: name, m: file.mime, s: file.size, k: kind };
    const receipt = this.identities.seal('upload', claims, RECEIPT_SECONDS);
    json(res, 200, { receipt, name, size: file.size, mime: file.mime, kind });
  }

  /** `GET /file?k=`: the file a sealed link names; 404 for a forged, guessed or expired link, or a file gone from the bucket. */
  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const k = new URL(req.url ?? '/', 'http://x').searchParams.get('k') ?? '';
    const claims = this.identities.unseal('file', k);
    const file = claims ? await this.ctx.media.get(String(claims.o)) : undefined;
    if (!file) return refuse(res, 404, 'E_SCHEMA', 'no such file, or its link expired: ask for it again');
    const inline = INLINE_IMAGES.has(file.mime);
    const name = file.name ?? 'file';
    res.writeHead(200, {
      'content-type': inline ? file.mime : 'application/octet-stream',
      'content-length': String(file.size),
      'content-disposition': `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(name)}`,
      'content-security-policy': "default-src 'none'; sandbox",
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, max-age=300',
    });
    for await (const chunk of file.stream()) res.write(chunk);
    res.end();
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function refuse(res: ServerResponse, status: number, code: string, message: string, extra: Record<string, unknown> = {}): void {
  json(res, status, { error: { code, message, ...extra } });
}

import { DeliveryError, type MediaDownload, type MediaFile, type MediaRequest } from '../../core/plugin';
import type { FeishuMessage } from './api';
import type { FeishuRest } from './rest';

/** Feishu's upload limits: images 10 MB (`im/v1/images`), files 30 MB (`im/v1/files`); downloads 100 MB. */
export const IMAGE_LIMIT = 10 * 1024 * 1024;
export const FILE_LIMIT = 30 * 1024 * 1024;
const MB = 1024 * 1024;

/** `file_type` of an upload by mime: Feishu's audio messages take opus, its video messages mp4. */
export function fileTypeOf(mime: string): string {
  const m = mime.toLowerCase();
  if (m === 'audio/opus' || m === 'audio/ogg') return 'opus';
  if (m === 'video/mp4') return 'mp4';
  if (m === 'application/pdf') return 'pdf';
  if (m === 'application/msword' || m.includes('wordprocessingml')) return 'doc';
  if (m === 'application/vnd.ms-excel' || m.includes('spreadsheetml')) return 'xls';
  if (m === 'application/vnd.ms-powerpoint' || m.includes('presentationml')) return 'ppt';
  return 'stream';
}

const EXTENSIONS: Record<string, string> = { opus: 'opus', mp4: 'mp4', pdf: 'pdf', doc: 'docx', xls: 'xlsx', ppt: 'pptx', stream: 'bin' };

/**
 * Files both ways. Inbound: `GET im/v1/messages/:message_id/resources/:file_key` with `type=image` for
 * images and `type=file` for files, audio and video; stickers and the images inside cards cannot be
 * downloaded (Feishu says so; the error here says it first). Outbound: an image is uploaded to
 * `im/v1/images`, anything else to `im/v1/files`, then sent as an `image`, `audio` (opus), `media`
 * (mp4) or `file` message.
 */
export class Media {
  constructor(private readonly rest: FeishuRest) {}

  async download(req: MediaRequest, signal: AbortSignal): Promise<MediaDownload> {
    if (req.type === 'sticker')
      throw DeliveryError.permanent(`stickers cannot be downloaded from Feishu (message ${req.messageId}, ${req.ref})`, {
        code: 'E_UNSUPPORTED',
      });
    const type = req.type === 'image' ? 'image' : 'file';
    const res = await this.rest.download(
      `download ${req.type} ${req.ref}`,
      `/open-apis/im/v1/messages/${encodeURIComponent(req.messageId)}/resources/${encodeURIComponent(req.ref)}`,
      { type },
      signal,
    );
    const length = Number(res.headers.get('content-length'));
    const name = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(res.headers.get('content-disposition') ?? '')?.[1];
    return {
      body: res.body as unknown as AsyncIterable<Uint8Array>,
      mime: res.headers.get('content-type') ?? 'application/octet-stream',
      ...(Number.isFinite(length) && length > 0 ? { size: length } : {}),
      ...(name ? { name: decodeURIComponent(name) } : {}),
    };
  }

  /** Uploads one attachment and returns the message that shows it. */
  async upload(f: MediaFile): Promise<FeishuMessage> {
    if (f.kind === 'image') {
      tooLarge(f, IMAGE_LIMIT, 'an image');
      const form = new FormData();
      form.append('image_type', 'message');
      form.append('image', new Blob([await f.read()], { type: f.mime }), f.name ?? 'image');
      const body = await this.rest.call<{ image_key?: string }>('upload image', 'POST', '/open-apis/im/v1/images', { form });
      return { msgType: 'image', content: JSON.stringify({ image_key: required(body.data?.image_key, 'image_key') }) };
    }
    tooLarge(f, FILE_LIMIT, 'a file');
    const fileType = fileTypeOf(f.mime);
    const form = new FormData();
    form.append('file_type', fileType);
    form.append('file_name', f.name ?? `${f.kind}.${EXTENSIONS[fileType]}`);
    form.append('file', new Blob([await f.read()], { type: f.mime }), f.name ?? `${f.kind}.${EXTENSIONS[fileType]}`);
    const body = await this.rest.call<{ file_key?: string }>('upload file', 'POST', '/open-apis/im/v1/files', { form });
    const fileKey = required(body.data?.file_key, 'file_key');
    const msgType = f.kind === 'audio' && fileType === 'opus' ? 'audio' : f.kind === 'video' && fileType === 'mp4' ? 'media' : 'file';
    return { msgType, content: JSON.stringify({ file_key: fileKey }) };
  }
}

function tooLarge(f: MediaFile, limit: number, what: string): void {
  if (f.size <= limit) return;
  throw DeliveryError.permanent(
    `${f.name ?? f.object} is ${(f.size / MB).toFixed(1)} MB; Feishu takes ${what} of at most ${limit / MB} MB` +
      (f.kind === 'image' ? ' (send a larger picture as kind "file", up to 30 MB)' : ''),
    { code: 'E_TOO_LARGE' },
  );
}

function required(v: string | undefined, what: string): string {
  if (!v) throw DeliveryError.retryable(`Feishu accepted the upload but returned no ${what}`);
  return v;
}

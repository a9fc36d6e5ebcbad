/** Files with real bytes: what users send and bots upload, `getFile`, and the `/file/bot<token>/` downloads. */
import { createHash, randomBytes } from 'node:crypto';

/** Telegram lets bots download files of at most 20 MB through the cloud Bot API. */
export const DOWNLOAD_LIMIT = 20 * 1024 * 1024;
/** A photo sent by upload may be at most 10 MB. */
export const PHOTO_LIMIT = 10 * 1024 * 1024;

export interface StoredFile {
  fileId: string;
  uniqueId: string;
  /** The bot whose file id this is (file ids are per bot). */
  botId: number;
  data: Buffer;
  mime: string;
  name?: string;
  /** `photos/file_3.jpg`, `documents/file_7.pdf`...: where `/file/bot<token>/` serves it. */
  path: string;
  sha256: string;
}

const FOLDER: Record<string, string> = {
  photo: 'photos',
  document: 'documents',
  audio: 'music',
  voice: 'voice',
  video: 'videos',
  animation: 'animations',
  video_note: 'video_notes',
  sticker: 'stickers',
};

const EXT: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'text/plain': 'txt',
  'audio/mpeg': 'mp3',
  'audio/ogg': 'oga',
  'video/mp4': 'mp4',
};

export class FileStore {
  private readonly byId = new Map<string, StoredFile>();
  private readonly paths = new Map<string, StoredFile>();
  private counter = 0;

  /** Stores bytes for a bot under a new file id of `prefix` (Telegram's type prefixes). */
  put(botId: number, kind: string, prefix: string, data: Buffer, mime: string, name?: string): StoredFile {
    const n = this.counter++;
    const ext = (name && /\.([A-Za-z0-9]{1,8})$/.exec(name)?.[1]) ?? EXT[mime] ?? 'bin';
    const file: StoredFile = {
      fileId: `${prefix}${randomBytes(30).toString('base64url')}`,
      uniqueId: `AgAD${randomBytes(6).toString('base64url')}`,
      botId,
      data,
      mime,
      ...(name ? { name } : {}),
      path: `${FOLDER[kind] ?? 'documents'}/file_${n}.${ext}`,
      sha256: createHash('sha256').update(data).digest('base64url'),
    };
    this.byId.set(file.fileId, file);
    this.paths.set(`${botId}/${file.path}`, file);
    return file;
  }

  get(botId: number, fileId: string): StoredFile | undefined {
    const f = this.byId.get(fileId);
    return f && f.botId === botId ? f : undefined;
  }

  byPath(botId: number, path: string): StoredFile | undefined {
    return this.paths.get(`${botId}/${path}`);
  }
}

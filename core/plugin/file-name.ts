import type { MediaFile } from './types';

/** The usual extension of the types files are sent as; a platform that shows a file's type reads it from its name. */
const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'audio/mpeg': 'mp3',
  'audio/ogg': 'ogg',
  'video/mp4': 'mp4',
  'application/pdf': 'pdf',
  'application/zip': 'zip',
  'text/plain': 'txt',
  'text/csv': 'csv',
};

/** The usual file extension of `mime` (`image/png` → `png`), `bin` for a type without one known here. */
export function extensionOf(mime: string): string {
  return EXTENSIONS[mime] ?? 'bin';
}

/** The name a file goes out under: its own, else `<kind>.<extension>` (`image.png`, `file.pdf`). */
export function fileNameOf(file: Pick<MediaFile, 'name' | 'kind' | 'mime'>): string {
  return file.name ?? `${file.kind}.${extensionOf(file.mime)}`;
}

/** Sending files (multipart uploads, file ids) and getFile, with Telegram's limits and descriptions. */
import { bad, compose, isAnswer, ok, type MethodDeps, type Post } from './methods';
import { isUpload, type MethodHandler } from './server';
import type { StoredFile } from './files';

/** The file field of each send method, its kind, its file id prefix, and what its message carries. */
const SENDS = {
  sendphoto: { field: 'photo', prefix: 'AgACAgIAAxkDAAI' },
  senddocument: { field: 'document', prefix: 'BQACAgIAAxkDAAI' },
  sendaudio: { field: 'audio', prefix: 'CQACAgIAAxkDAAI' },
  sendvideo: { field: 'video', prefix: 'BAACAgIAAxkDAAI' },
} as const;

function content(field: string, f: StoredFile): Record<string, unknown> {
  const base = { file_id: f.fileId, file_unique_id: f.uniqueId, file_size: f.data.length };
  switch (field) {
    case 'photo':
      // Telegram keeps the original as the largest size (the emulator does not recompress).
      return { photo: [{ ...base, width: 1280, height: 960 }] };
    case 'video':
      return { video: { ...base, width: 1280, height: 720, duration: 1, mime_type: f.mime, ...(f.name ? { file_name: f.name } : {}) } };
    case 'audio':
      return { audio: { ...base, duration: 1, mime_type: f.mime, ...(f.name ? { file_name: f.name } : {}) } };
    default:
      return { document: { ...base, mime_type: f.mime, ...(f.name ? { file_name: f.name } : {}) } };
  }
}

export function mediaMethods(deps: MethodDeps, post: Post): Record<string, MethodHandler> {
  const { files, config } = deps;
  const handlers: Record<string, MethodHandler> = {};
  for (const [method, { field, prefix }] of Object.entries(SENDS)) {
    handlers[method] = (ctx) => {
      const given = ctx.params[field];
      let file: StoredFile | undefined;
      if (isUpload(given)) {
        if (!given.data.length) return bad('file must be non-empty');
        if (field === 'photo' && given.data.length > config.photoLimit) return bad('PHOTO_SAVE_FILE_INVALID');
        file = files.put(ctx.bot.user.id, field, prefix, given.data, given.mime, given.filename || undefined);
      } else if (typeof given === 'string' && /^https?:\/\//i.test(given)) {
        // Telegram fetches the URL; the emulator does not: the file's bytes are the URL's text.
        file = files.put(ctx.bot.user.id, field, prefix, Buffer.from(given), field === 'photo' ? 'image/jpeg' : 'application/octet-stream');
      } else if (typeof given === 'string' && given) {
        file = files.get(ctx.bot.user.id, given);
        if (!file) return bad('wrong file identifier/HTTP URL specified');
      } else return bad(`there is no ${field} in the request`);
      const parsed = compose(ctx.params, 'caption', 1024);
      if (isAnswer(parsed)) return parsed;
      return post(ctx, content(field, file), parsed, 'caption', file);
    };
  }
  handlers.getfile = ({ bot, params }) => {
    const id = params.file_id === undefined ? '' : String(params.file_id);
    if (!id) return bad('file_id is empty');
    const file = files.get(bot.user.id, id);
    if (!file) return bad('invalid file_id');
    if (file.data.length > config.downloadLimit) return bad('file is too big');
    return ok({ file_id: file.fileId, file_unique_id: file.uniqueId, file_size: file.data.length, file_path: file.path });
  };
  return handlers;
}

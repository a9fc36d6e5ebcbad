/**
 * Files and images (issue 15), with real bytes:
 * - POST /open-apis/im/v1/images (multipart `image_type`, `image`): ≤ 10 MB, not empty → `image_key`;
 * - POST /open-apis/im/v1/files (multipart `file_type`, `file_name`, `file`, `duration?`): ≤ 30 MB,
 *   `file_type` one of opus, mp4, pdf, doc, xls, ppt, stream → `file_key`;
 * - GET /open-apis/im/v1/messages/:message_id/resources/:file_key?type=image|file: the bytes of a
 *   resource that message carries (`type=image` for images, `file` for files, audio and video);
 *   stickers and the images of cards are refused;
 * - GET /open-apis/im/v1/messages/:message_id and /open-apis/im/v1/chats/:chat_id (chat and author of a message).
 * Upload refusals: 234001 invalid param, 234006 over the limit, 234010 empty (HTTP 400).
 */
import { guard, type ApiDeps } from './deps';
import { Codes, fail, invalidParam } from './errors';
import type { Reply, RequestContext, Router } from './http-server';
import { hex } from './ids';
import { messageData, type StoredMessage } from './messages';

export const IMAGE_LIMIT = 10 * 1024 * 1024;
export const FILE_LIMIT = 30 * 1024 * 1024;
const FILE_TYPES = ['opus', 'mp4', 'pdf', 'doc', 'xls', 'ppt', 'stream'];

/** A stored image or file. */
export interface Resource {
  key: string;
  appId: string;
  kind: 'image' | 'file';
  bytes: Buffer;
  mime: string;
  name?: string;
  fileType?: string;
  /** Uploaded through the API (by the bot) or given by a test (a user's). */
  uploaded: boolean;
}

/** Every image and file the emulator holds, by key. */
export class ResourceStore {
  readonly byKey = new Map<string, Resource>();
  /** Uploads the API accepted, in order. */
  readonly uploads: Resource[] = [];

  add(r: Omit<Resource, 'key'>): Resource {
    const key = r.kind === 'image' ? `img_v3_${hex(12)}` : `file_v3_${hex(12)}`;
    const full = { ...r, key };
    this.byKey.set(key, full);
    if (r.uploaded) this.uploads.push(full);
    return full;
  }
}

const ok = (data: Record<string, unknown>): Reply => ({ status: 200, body: { code: 0, data, msg: 'success' } });

async function form(ctx: RequestContext): Promise<FormData> {
  const type = String(ctx.headers['content-type'] ?? '');
  if (!type.startsWith('multipart/form-data')) fail(Codes.resourceInvalidParam);
  try {
    return await new Request('http://emulator/', { method: 'POST', headers: { 'content-type': type }, body: ctx.rawBytes }).formData();
  } catch {
    return fail(Codes.resourceInvalidParam);
  }
}

async function fileField(f: FormData, name: string, limit: number): Promise<{ bytes: Buffer; mime: string; name: string }> {
  const v = f.get(name);
  if (!v || typeof v === 'string') fail(Codes.resourceInvalidParam);
  const file = v as File;
  if (file.size === 0) fail(Codes.resourceEmpty);
  if (file.size > limit) fail(Codes.resourceTooLarge);
  return { bytes: Buffer.from(await file.arrayBuffer()), mime: file.type || 'application/octet-stream', name: file.name };
}

async function uploadImage(ctx: RequestContext, deps: ApiDeps, store: ResourceStore): Promise<Reply> {
  const app = await guard(ctx, deps, 'upload');
  const f = await form(ctx);
  const imageType = f.get('image_type');
  if (imageType !== 'message' && imageType !== 'avatar') fail(Codes.resourceInvalidParam);
  const file = await fileField(f, 'image', IMAGE_LIMIT);
  const r = store.add({ appId: app.appId, kind: 'image', bytes: file.bytes, mime: file.mime, uploaded: true });
  return ok({ image_key: r.key });
}

async function uploadFile(ctx: RequestContext, deps: ApiDeps, store: ResourceStore): Promise<Reply> {
  const app = await guard(ctx, deps, 'upload');
  const f = await form(ctx);
  const fileType = f.get('file_type');
  const fileName = f.get('file_name');
  if (typeof fileType !== 'string' || !FILE_TYPES.includes(fileType)) fail(Codes.resourceInvalidParam);
  if (typeof fileName !== 'string' || !fileName) fail(Codes.resourceInvalidParam);
  const file = await fileField(f, 'file', FILE_LIMIT);
  const r = store.add({ appId: app.appId, kind: 'file', bytes: file.bytes, mime: file.mime, name: fileName, fileType, uploaded: true });
  return ok({ file_key: r.key });
}

/** The resource keys a message carries (images and files, posts' images and media). */
function keysOf(m: StoredMessage): string[] {
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(m.rawContent) as Record<string, unknown>;
  } catch {
    return [];
  }
  const keys: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of ['image_key', 'file_key']) if (typeof o[k] === 'string') keys.push(o[k] as string);
      Object.values(o).forEach(walk);
    }
  };
  walk(c);
  return keys;
}

async function download(ctx: RequestContext, deps: ApiDeps, store: ResourceStore): Promise<Reply> {
  const app = await guard(ctx, deps, 'resource');
  const type = ctx.query.type;
  if (type !== 'image' && type !== 'file') fail(Codes.resourceInvalidParam);
  const m = deps.store.get(ctx.params.message_id);
  if (!m || m.appId !== app.appId) fail(Codes.resourceNotInMessage);
  if (m.msgType === 'sticker' || m.msgType === 'interactive') fail(Codes.resourceUnsupported);
  const r = store.byKey.get(ctx.params.file_key);
  if (!r || r.appId !== app.appId || !keysOf(m).includes(r.key)) fail(Codes.resourceNotInMessage);
  if (r.kind !== type) fail(Codes.resourceInvalidParam);
  const headers: Record<string, string> = { 'Content-Type': r.mime, 'Content-Length': String(r.bytes.length) };
  if (r.name) headers['Content-Disposition'] = `attachment; filename="${encodeURIComponent(r.name)}"`;
  return { status: 200, body: r.bytes, headers };
}

async function getMessage(ctx: RequestContext, deps: ApiDeps): Promise<Reply> {
  const app = await guard(ctx, deps, 'getMessage');
  const m = deps.store.get(ctx.params.message_id);
  if (!m || m.appId !== app.appId) fail(invalidParam('invalid message_id'));
  return ok({ items: [{ ...messageData(m), deleted: !!m.recalled }] });
}

async function getChat(ctx: RequestContext, deps: ApiDeps): Promise<Reply> {
  const app = await guard(ctx, deps, 'getMessage');
  const m = deps.store.find((x) => x.appId === app.appId && x.chatId === ctx.params.chat_id);
  if (!m) fail(invalidParam('invalid chat_id'));
  if (app.chatsWithoutBot.has(m.chatId)) fail(Codes.botNotInChat);
  return ok({ chat_mode: m.chatType, chat_type: m.chatType === 'p2p' ? 'p2p' : 'private', external: false });
}

/** Register the upload, download and message lookup routes. */
export function registerResourceRoutes(router: Router, deps: ApiDeps, store: ResourceStore): void {
  router.add('POST', '/open-apis/im/v1/images', (c) => uploadImage(c, deps, store));
  router.add('POST', '/open-apis/im/v1/files', (c) => uploadFile(c, deps, store));
  router.add('GET', '/open-apis/im/v1/messages/:message_id/resources/:file_key', (c) => download(c, deps, store));
  router.add('GET', '/open-apis/im/v1/messages/:message_id', (c) => getMessage(c, deps));
  router.add('GET', '/open-apis/im/v1/chats/:chat_id', (c) => getChat(c, deps));
}

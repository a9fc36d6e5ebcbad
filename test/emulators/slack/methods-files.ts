/**
 * Files: the external upload flow (files.getUploadURLExternal gives an upload URL and a file id, the
 * bytes go to that URL, files.completeUploadExternal shares the files in one message) and files.info.
 * A file is visible to an app that uploaded it or whose bot is in a conversation it is shared in.
 */
import { ApiError, invalidArgument, jsonArg, postAsBot, str, threadOf, type CallContext, type MethodSpec } from './api-common';
import type { ApiMethod } from './types';
import { fileUrl, slackId, type App, type StoredFile, type Workspace } from './workspace';

function getUploadUrl(c: CallContext) {
  const filename = str(c.args.filename);
  if (!filename) throw invalidArgument('missing required field: filename');
  const length = Number(c.args.length);
  if (!Number.isInteger(length) || length <= 0) throw new ApiError('missing_argument');
  if (length > c.limits.maxUploadBytes) throw new ApiError('file_upload_size_restricted');
  const f: StoredFile = {
    id: slackId('F'),
    name: filename,
    title: filename,
    mimetype: mimeOf(filename),
    user: c.app.botUserId,
    created: Math.floor(Date.now() / 1000),
    upload: { length, appId: c.app.appId, expires: Date.now() + c.limits.uploadUrlTtlMs },
    shares: new Map(),
  };
  c.ws.files.set(f.id, f);
  return { upload_url: c.uploadUrl(f.id), file_id: f.id };
}

function complete(c: CallContext) {
  const list = jsonArg(c.args.files, 'invalid_arguments');
  if (!Array.isArray(list) || list.length === 0) throw invalidArgument('missing required field: files');
  const files = (list as Array<{ id?: unknown; title?: unknown }>).map((x) => {
    const f = typeof x?.id === 'string' ? c.ws.files.get(x.id) : undefined;
    // Only an upload of this app whose bytes all arrived, completed once.
    if (!f?.upload || f.upload.appId !== c.app.appId || f.upload.received?.length !== f.upload.length) throw new ApiError('file_not_found');
    return { f, title: typeof x.title === 'string' && x.title ? x.title : f.name };
  });
  const channel = str(c.args.channel_id);
  for (const { f, title } of files) {
    f.bytes = f.upload!.received;
    f.title = title;
    delete f.upload;
  }
  if (!channel) return { files: files.map(({ f }) => ({ id: f.id, title: f.title })) };
  const conv = c.ws.conversations.get(channel);
  if (!conv) throw new ApiError('invalid_channel');
  if (!conv.members.has(c.app.botUserId) || conv.archived) throw new ApiError('posting_to_channel_denied');
  postAsBot(c, conv, threadOf(c, conv), 'files.completeUploadExternal', {
    text: typeof c.args.initial_comment === 'string' ? c.args.initial_comment : '',
    subtype: 'file_share',
    files: files.map(({ f }) => f.id),
  });
  // As Slack answers: the files, without their shares (they show in files.info).
  return { files: files.map(({ f }) => ({ id: f.id, title: f.title })) };
}

/** Whether an app may see a file: it uploaded it, or its bot is in a conversation the file is shared in. */
export function visible(ws: Workspace, app: App, f: StoredFile): boolean {
  if (f.user === app.botUserId) return true;
  return [...f.shares.keys()].some((ch) => ws.conversations.get(ch)?.members.has(app.botUserId));
}

/** A file as the Web API shows it (files.info, message events). */
export function fileObject(ws: Workspace, f: StoredFile): Record<string, unknown> {
  const pub: Record<string, unknown> = {};
  const priv: Record<string, unknown> = {};
  const kinds = { channels: [] as string[], groups: [] as string[], ims: [] as string[] };
  for (const [ch, list] of f.shares) {
    const conv = ws.conversations.get(ch);
    const entries = list.map((s) => ({
      ts: s.ts,
      ...(s.threadTs ? { thread_ts: s.threadTs } : {}),
      channel_name: conv?.name ?? '',
      team_id: ws.teamId,
      share_user_id: f.user,
      source: 'UNKNOWN',
    }));
    (conv?.kind === 'public' ? pub : priv)[ch] = entries;
    (conv?.kind === 'public' ? kinds.channels : conv?.kind === 'im' ? kinds.ims : kinds.groups).push(ch);
  }
  return {
    id: f.id,
    created: f.created,
    timestamp: f.created,
    name: f.name,
    title: f.title,
    mimetype: f.mimetype,
    filetype: f.name.split('.').pop() ?? '',
    user: f.user,
    user_team: ws.teamId,
    size: f.bytes?.length ?? 0,
    mode: 'hosted',
    is_external: false,
    is_public: kinds.channels.length > 0,
    url_private: fileUrl(ws, f),
    url_private_download: fileUrl(ws, f, true),
    permalink: `https://${ws.domain}.slack.com/files/${f.user}/${f.id}/${encodeURIComponent(f.name)}`,
    ...kinds,
    shares: { ...(Object.keys(pub).length ? { public: pub } : {}), ...(Object.keys(priv).length ? { private: priv } : {}) },
    comments_count: 0,
  };
}

function info(c: CallContext) {
  const f = c.ws.files.get(str(c.args.file) ?? '');
  if (!f || f.upload || !visible(c.ws, c.app, f)) throw new ApiError('file_not_found');
  return { file: fileObject(c.ws, f), comments: [], response_metadata: { next_cursor: '' } };
}

const MIMES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  pdf: 'application/pdf',
  csv: 'text/csv',
  txt: 'text/plain',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  json: 'application/json',
};

/** Slack guesses a file's type from its name. */
export function mimeOf(name: string): string {
  return MIMES[name.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

export const filesMethods = {
  'files.getUploadURLExternal': { token: 'bot', scopes: () => ['files:write'], handler: getUploadUrl },
  'files.completeUploadExternal': { token: 'bot', scopes: () => ['files:write'], handler: complete },
  'files.info': { token: 'bot', scopes: () => ['files:read'], handler: info },
} satisfies Partial<Record<ApiMethod, MethodSpec>>;

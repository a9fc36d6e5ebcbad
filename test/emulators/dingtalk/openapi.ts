/**
 * DingTalk's HTTP side: the OpenAPI (`api.dingtalk.com`: token, robot messages, AI cards, message
 * files, the Stream gateway) and the old API's `media/upload` (`oapi.dingtalk.com`), on one server.
 * Errors in DingTalk's shapes: OpenAPI `{code, message, requestid}` with the HTTP status, old API
 * `{errcode, errmsg}` with HTTP 200.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseMultipart } from './multipart';
import type { EmulatorState, StoredApp } from './state';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Which permission each OpenAPI path needs. */
const SCOPES: Record<string, string> = {
  '/v1.0/robot/oToMessages/batchSend': 'qyapi_robot_sendmsg',
  '/v1.0/robot/groupMessages/send': 'qyapi_robot_sendmsg',
  '/v1.0/robot/otoMessages/batchRecall': 'qyapi_robot_sendmsg',
  '/v1.0/robot/groupMessages/recall': 'qyapi_robot_sendmsg',
  '/v1.0/robot/messageFiles/download': 'qyapi_robot_sendmsg',
  '/v1.0/card/instances/createAndDeliver': 'Card.Instance.Write',
  '/v1.0/card/instances': 'Card.Instance.Write',
  '/v1.0/card/streaming': 'Card.Streaming.Write',
};

export const ALL_SCOPES = [...new Set(Object.values(SCOPES))];

/** msgKeys and the msgParam keys each needs. */
const MSG_KEYS: Record<string, string[]> = {
  sampleText: ['content'],
  sampleMarkdown: ['title', 'text'],
  sampleImageMsg: ['photoURL'],
  sampleFile: ['mediaId', 'fileName', 'fileType'],
  sampleLink: ['text', 'title', 'picUrl', 'messageUrl'],
  sampleAudio: ['mediaId', 'duration'],
};

/** msgParam is at most 15,000 bytes. */
export const MSG_PARAM_LIMIT = 15_000;

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' }).end(JSON.stringify(body));
};

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export async function handleHttp(s: EmulatorState, req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
  const url = new URL(req.url ?? '/', s.url);
  const path = url.pathname;
  const method = req.method ?? 'GET';
  let app: StoredApp | undefined;
  try {
    if (method === 'GET' && path.startsWith('/files/')) return download(s, path.slice(7), res);
    if (method === 'POST' && path === '/media/upload') return upload(s, url, req, body, res);
    const input = parseJson(body);
    if (method === 'POST' && (path === '/v1.0/oauth2/accessToken' || path === '/v1.0/gateway/connections/open')) {
      const out = path.endsWith('accessToken') ? token(s, input) : open(s, input);
      s.requests.push({ method, path, clientId: String(input.appKey ?? input.clientId), status: 200, at: Date.now() });
      return json(res, 200, out);
    }
    app = s.appOfToken(String(req.headers['x-acs-dingtalk-access-token'] ?? ''));
    const scope = SCOPES[path];
    if (!scope) throw new ApiError(404, 'InvalidAction.NotFound', `Specified api is not found, please check your url and method.`);
    if (!app.scopes.has(scope))
      throw new ApiError(403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied', `应用尚未开通所需的权限：[${scope}]`, {
        accessdenieddetail: { requiredScopes: [scope] },
      });
    s.injected(path);
    s.qps(app, path);
    const out = s.route(method, path, app, input);
    s.requests.push({ method, path, clientId: app.clientId, status: 200, at: Date.now() });
    return json(res, 200, out);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    s.requests.push({ method, path, ...(app ? { clientId: app.clientId } : {}), status: err.status, code: err.code, at: Date.now() });
    json(res, err.status, { code: err.code, message: err.message, requestid: randomUUID().toUpperCase(), ...err.extra });
  }
}

function parseJson(body: Buffer): Record<string, unknown> {
  if (!body.length) return {};
  try {
    return obj(JSON.parse(body.toString('utf8')));
  } catch {
    throw new ApiError(400, 'InvalidParameter', 'The request body is not valid JSON.');
  }
}

function token(s: EmulatorState, input: Record<string, unknown>) {
  const app = s.apps.get(String(input.appKey ?? ''));
  if (!app || app.clientSecret !== input.appSecret) throw new ApiError(400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret');
  const accessToken = randomBytes(16).toString('hex');
  s.tokens.set(accessToken, { clientId: app.clientId, expires: Date.now() + s.opts.tokenTtlSec * 1000 });
  return { accessToken, expireIn: s.opts.tokenTtlSec };
}

function open(s: EmulatorState, input: Record<string, unknown>) {
  const app = s.apps.get(String(input.clientId ?? ''));
  if (!app || app.clientSecret !== input.clientSecret) throw new ApiError(400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret');
  const subs = Array.isArray(input.subscriptions) ? input.subscriptions.map(obj) : [];
  if (!subs.length || subs.some((x) => !['EVENT', 'CALLBACK', 'SYSTEM'].includes(String(x.type)) || typeof x.topic !== 'string'))
    throw new ApiError(
      400,
      'invalidParameter.subscriptions.invalid',
      'subscriptions must be a non-empty list of {type: EVENT|CALLBACK, topic}',
    );
  const ticket = s.hub.issueTicket(
    app.clientId,
    subs.map((x) => ({ type: String(x.type), topic: String(x.topic) })),
  );
  return { endpoint: `${s.url.replace(/^http/, 'ws')}/connect`, ticket };
}

function download(s: EmulatorState, id: string, res: ServerResponse): void {
  const file = s.files.get(id);
  if (!file || file.expires < Date.now()) {
    res
      .writeHead(403, { 'content-type': 'application/xml' })
      .end('<Error><Code>AccessDenied</Code><Message>Request has expired.</Message></Error>');
    return;
  }
  res.writeHead(200, { 'content-type': file.mime, 'content-length': String(file.data.length) }).end(file.data);
}

/** Old API: `POST /media/upload?access_token=...&type=image|voice|video|file`, multipart field `media`. */
function upload(s: EmulatorState, url: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
  const tok = s.tokens.get(url.searchParams.get('access_token') ?? '');
  if (!tok || tok.expires < Date.now()) return json(res, 200, { errcode: 40014, errmsg: '不合法的access_token' });
  const type = url.searchParams.get('type') ?? '';
  if (!['image', 'voice', 'video', 'file'].includes(type)) return json(res, 200, { errcode: 40004, errmsg: '不合法的媒体文件类型' });
  const parts = parseMultipart(body, String(req.headers['content-type'] ?? ''));
  const media = parts?.find((p) => p.name === 'media' && p.filename !== undefined);
  if (!media) return json(res, 200, { errcode: 41005, errmsg: '缺少多媒体文件数据' });
  const limit = s.opts.uploadLimits[type as 'image'] ?? 0;
  if (media.data.length > limit) return json(res, 200, { errcode: 40006, errmsg: `不合法的文件大小 (at most ${limit} bytes)` });
  const mediaId = `@lA${randomBytes(12).toString('base64url')}`;
  s.uploads.push({ mediaId, type, filename: media.filename ?? '', mime: media.type ?? '', data: media.data, clientId: tok.clientId });
  json(res, 200, { errcode: 0, errmsg: 'ok', type, media_id: mediaId, created_at: Date.now() });
}

/** Checks a robot message send: robotCode, msgKey, msgParam; returns the parsed msgParam and the shown text. */
export function checkMessage(
  app: StoredApp,
  input: Record<string, unknown>,
): { msgKey: string; msgParam: Record<string, unknown>; text: string } {
  if (!input.robotCode) throw new ApiError(400, 'invalidParameter.robotCode.empty', '机器人robotCode为空');
  if (input.robotCode !== app.robotCode)
    throw new ApiError(400, 'invalidParameter.robotCode.auth', '该应用appkey与机器人robotCode不匹配，请使用机器人所在应用的appkey');
  const msgKey = String(input.msgKey ?? '');
  if (!msgKey) throw new ApiError(400, 'invalidParameter.msgKey.empty', 'msgKey缺失');
  const keys = MSG_KEYS[msgKey];
  if (!keys) throw new ApiError(400, 'invalidParameter.msgKey.invalid', 'msgKey不合法');
  if (typeof input.msgParam !== 'string') throw new ApiError(400, 'invalidParameter.msgParam.invalid', 'msgParam必须是json格式');
  if (Buffer.byteLength(input.msgParam) > MSG_PARAM_LIMIT)
    throw new ApiError(400, 'invalidParameter.param.invalid', `参数不合法: msgParam超过${MSG_PARAM_LIMIT}字节`);
  let msgParam: Record<string, unknown>;
  try {
    msgParam = obj(JSON.parse(input.msgParam));
  } catch {
    throw new ApiError(400, 'invalidParameter.msgParam.invalid', 'msgParam必须是json格式');
  }
  const missing = keys.filter((k) => typeof msgParam[k] !== 'string' || !(msgParam[k] as string).length);
  if (missing.length) throw new ApiError(400, 'invalidParameter.param.invalid', `参数不合法: ${missing.join(', ')}`);
  const text = String(msgParam.content ?? msgParam.text ?? msgParam.photoURL ?? msgParam.fileName ?? msgParam.mediaId ?? '');
  return { msgKey, msgParam, text };
}

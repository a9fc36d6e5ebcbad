/**
 * The HTTP side: `/bot<token>/<method>` with parameters from the query string and a JSON,
 * url-encoded or multipart body (file fields as {@link Upload}s); answers `{ ok, result }` or
 * `{ ok: false, error_code, description }` with the HTTP status Telegram uses (the error code), and
 * `GET /file/bot<token>/<file_path>` with a file's bytes. Faults and latency apply before the call.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { NGINX_PAGE, type Faults } from './faults';
import type { Answer } from './updates';
import type { BotState, World } from './world';
import type { FileStore } from './files';

/** A file part of a multipart body: what `sendPhoto` and the like receive as `photo`, `document`... */
export interface Upload {
  upload: true;
  filename: string;
  mime: string;
  data: Buffer;
}

export const isUpload = (v: unknown): v is Upload => !!v && typeof v === 'object' && (v as Upload).upload === true;

/** Telegram's cap on a multipart request of a bot: 50 MB. */
export const UPLOAD_LIMIT = 50 * 1024 * 1024;

export interface CallContext {
  bot: BotState;
  /** The method name in lower case (Bot API method names are case-insensitive). */
  method: string;
  params: Record<string, unknown>;
  /** Runs when the client goes away before the answer. */
  onAbandon(fn: () => void): void;
  /** Closes the connection without an answer. */
  drop(): void;
}

export type MethodHandler = (ctx: CallContext) => Answer | Promise<Answer>;

export interface RequestRecord {
  botId?: number;
  method: string;
  status: number;
  at: number;
  ms: number;
}

const NOT_FOUND: Answer = { ok: false, error_code: 404, description: 'Not Found' };
const UNAUTHORIZED: Answer = { ok: false, error_code: 401, description: 'Unauthorized' };

/** Fields of a multipart/form-data body, binary-safe: text fields as strings, file fields as uploads. */
function multipart(body: Buffer, contentType: string): Record<string, string | Upload> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const out: Record<string, string | Upload> = {};
  if (!boundary) return out;
  const marker = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let at = body.indexOf(marker);
  while (at >= 0) {
    const start = at + marker.length;
    const next = body.indexOf(marker, start);
    if (next < 0) break;
    const part = body.subarray(start, next);
    at = next;
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.subarray(0, split).toString('utf8');
    const name = /name="([^"]+)"/.exec(head)?.[1];
    if (!name) continue;
    let data = part.subarray(split + 4);
    if (data.subarray(-2).toString() === '\r\n') data = data.subarray(0, -2);
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    if (filename === undefined) out[name] = data.toString('utf8');
    else
      out[name] = {
        upload: true,
        filename,
        mime: /content-type:\s*([^\r\n;]+)/i.exec(head)?.[1]?.trim() ?? 'application/octet-stream',
        data: Buffer.from(data),
      };
  }
  return out;
}

/** The request body, or 'too large' past Telegram's upload cap (the rest is read and dropped). */
function readRaw(req: IncomingMessage, limit: number): Promise<Buffer | 'too large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => resolve(size > limit ? 'too large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const TOO_LARGE: Answer = { ok: false, error_code: 413, description: 'Request Entity Too Large' };

async function params(req: IncomingMessage, url: URL, limit: number): Promise<Record<string, unknown> | Answer> {
  const out: Record<string, unknown> = Object.fromEntries(url.searchParams.entries());
  const raw = await readRaw(req, limit);
  if (raw === 'too large') return TOO_LARGE;
  if (!raw.length) return out;
  const type = String(req.headers['content-type'] ?? '');
  const body = type.includes('multipart/form-data') ? '' : raw.toString('utf8');
  if (type.includes('application/json')) {
    try {
      const json = JSON.parse(body) as unknown;
      if (json && typeof json === 'object') Object.assign(out, json);
    } catch {
      // Telegram ignores a body it cannot read: the call sees only the query parameters.
    }
  } else if (type.includes('multipart/form-data')) Object.assign(out, multipart(raw, type));
  else Object.assign(out, Object.fromEntries(new URLSearchParams(body).entries()));
  return out;
}

const isAnswerObject = (p: Record<string, unknown> | Answer): p is Answer => p === TOO_LARGE;

function send(res: ServerResponse, status: number, body: string, type: string): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** `GET /file/bot<token>/<file_path>`: the bytes of a file the bot may download, else Telegram's 404 / 401. */
function serveFile(world: World, files: FileStore, res: ServerResponse, token: string, path: string): number {
  const bot = world.botByToken(token);
  const file = bot ? files.byPath(bot.user.id, path) : undefined;
  if (!file) {
    const status = bot ? 404 : 401;
    send(res, status, JSON.stringify(bot ? NOT_FOUND : UNAUTHORIZED), 'application/json');
    return status;
  }
  if (res.destroyed) return 0;
  res.writeHead(200, { 'content-type': file.mime, 'content-length': file.data.length });
  res.end(file.data);
  return 200;
}

export interface ServerDeps {
  world: World;
  faults: Faults;
  files: FileStore;
  handlers: Record<string, MethodHandler>;
  onRequest: (r: RequestRecord) => void;
  /** The multipart cap in force (default Telegram's 50 MB). */
  uploadLimit: () => number;
}

export function createServer({ world, faults, files, handlers, onRequest, uploadLimit }: ServerDeps): Server {
  return createHttpServer(async (req, res) => {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://emulator');
    const download = /^\/file\/bot([^/]*)\/(.+)$/.exec(url.pathname);
    if (download) {
      req.resume();
      const status = serveFile(world, files, res, download[1]!, decodeURIComponent(download[2]!));
      const owner = world.botByToken(download[1]!);
      return onRequest({ ...(owner ? { botId: owner.user.id } : {}), method: 'file', status, at, ms: Date.now() - at });
    }
    const m = /^\/bot([^/]*)\/([A-Za-z]*)\/?$/.exec(url.pathname);
    const method = (m?.[2] ?? '').toLowerCase();
    let bot: BotState | undefined;
    const finish = (status: number) => onRequest({ ...(bot ? { botId: bot.user.id } : {}), method, status, at, ms: Date.now() - at });
    const answer = (a: Answer) => {
      const status = a.ok ? 200 : a.error_code;
      send(res, status, JSON.stringify(a), 'application/json');
      finish(status);
    };
    try {
      const p = await params(req, url, uploadLimit());
      if (isAnswerObject(p)) return answer(p);
      if (!m || !/^\d+:[A-Za-z0-9_-]+$/.test(m[1]!)) return answer(NOT_FOUND);
      bot = world.botByToken(m[1]!);
      const fault = faults.take(method, bot?.user.id ?? 0);
      const delay = faults.latencyFor(method);
      if (delay) await new Promise((r) => setTimeout(r, delay));
      if (fault?.kind === 'drop') {
        req.socket.destroy();
        return finish(0);
      }
      if (fault?.kind === 'html') {
        send(
          res,
          fault.status,
          NGINX_PAGE(fault.status, fault.status === 502 ? 'Bad Gateway' : fault.status === 504 ? 'Gateway Time-out' : 'Error'),
          'text/html',
        );
        return finish(fault.status);
      }
      if (!bot) return answer(UNAUTHORIZED);
      if (fault?.kind === 'answer') return answer(fault.answer);
      const handler = handlers[method];
      if (!handler) return answer(NOT_FOUND);
      const abandon: Array<() => void> = [];
      res.on('close', () => {
        if (!res.writableEnded) abandon.forEach((fn) => fn());
      });
      const result = await handler({ bot, method, params: p, onAbandon: (fn) => abandon.push(fn), drop: () => req.socket.destroy() });
      if (!res.destroyed) answer(result);
    } catch (err) {
      send(
        res,
        500,
        JSON.stringify({ ok: false, error_code: 500, description: `Internal Server Error: emulator: ${(err as Error).message}` }),
        'application/json',
      );
      finish(500);
    }
  });
}

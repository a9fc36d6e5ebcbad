/**
 * Tiny HTTP layer: routing, JSON bodies, the request log, and Feishu's answer conventions
 * (JSON with `code`/`msg`, `X-Tt-Logid` header, plain-text "404 page not found" for unknown
 * paths or methods — as the real gateway answers).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, FeishuHttpError } from './errors';
import { newLogId } from './ids';
import type { RequestLogEntry } from './types';
import { readBytes } from '../shared/http';

/** What a handler sees. */
export interface RequestContext {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  /** Parsed JSON body, or undefined when empty / not JSON. */
  body: unknown;
  rawBody: string;
  /** The body's bytes (multipart uploads). */
  rawBytes: Buffer;
  params: Record<string, string>;
  /** Log entry of this request; handlers fill `api` and `appId`. */
  log: RequestLogEntry;
}

/** What a handler returns. Objects are sent as JSON, strings as text/plain. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => Promise<Reply> | Reply;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

/** Method + path router with `:param` segments. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: Handler): void {
    const keys: string[] = [];
    const src = path.replace(/:([a-z_]+)/g, (_m, k: string) => {
      keys.push(k);
      return '([^/]+)';
    });
    // Feishu accepts a trailing slash on its paths.
    this.routes.push({ method, pattern: new RegExp(`^${src}/?$`), keys, handler });
  }

  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | undefined {
    for (const r of this.routes) {
      if (r.method !== method) continue;
      const m = r.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1])));
      return { handler: r.handler, params };
    }
    return undefined;
  }
}

function send(res: ServerResponse, reply: Reply, log: RequestLogEntry): void {
  const logId = newLogId();
  const headers: Record<string, string> = { 'X-Tt-Logid': logId, ...(reply.headers ?? {}) };
  let payload: string | Buffer;
  if (Buffer.isBuffer(reply.body)) {
    payload = reply.body;
  } else if (typeof reply.body === 'string') {
    headers['Content-Type'] = 'text/plain; charset=utf-8';
    payload = reply.body;
  } else {
    headers['Content-Type'] = 'application/json; charset=utf-8';
    payload = JSON.stringify(reply.body);
    const code = (reply.body as { code?: unknown } | null)?.code;
    if (typeof code === 'number') log.code = code;
  }
  log.status = reply.status;
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/** Build the node `request` listener for a router; `onLog` receives every finished entry. */
export function createListener(router: Router, onLog: (e: RequestLogEntry) => void) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const log: RequestLogEntry = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams.entries()),
      status: 0,
      at: Date.now(),
    };
    try {
      const rawBytes = await readBytes(req);
      const rawBody = rawBytes.toString('utf8');
      let body: unknown;
      if (rawBody.length > 0) {
        try {
          body = JSON.parse(rawBody);
        } catch {
          body = undefined;
        }
      }
      const m = router.match(method, url.pathname);
      if (!m) {
        send(res, { status: 404, body: '404 page not found' }, log);
      } else {
        const ctx: RequestContext = {
          method,
          path: url.pathname,
          query: log.query,
          headers: req.headers,
          body,
          rawBody,
          rawBytes,
          params: m.params,
          log,
        };
        let reply: Reply;
        try {
          reply = await m.handler(ctx);
        } catch (e) {
          if (!(e instanceof FeishuHttpError)) throw e;
          reply = { status: e.err.httpStatus, body: errorBody(e.err), headers: e.err.headers };
        }
        if (!res.destroyed) send(res, reply, log);
      }
    } catch (e) {
      if (!res.headersSent && !res.destroyed) {
        send(res, { status: 500, body: { code: 1, msg: `emulator error: ${(e as Error).message}` } }, log);
      }
    }
    onLog(log);
  };
}

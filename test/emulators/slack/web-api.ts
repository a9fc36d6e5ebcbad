/**
 * The Web API over HTTP: `POST /api/<method>` (GET with a query string too), form-encoded or JSON
 * bodies, the token as `Authorization: Bearer` (or a `token` form field), answers `{ok:true,...}` or
 * `{ok:false,error}` with HTTP 200, and Slack's headers (`X-OAuth-Scopes`, `X-Accepted-OAuth-Scopes`,
 * `Retry-After` on 429). Injected failures and latency apply before the method runs.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Hooks, Limits } from './api-common';
import { ApiError, METHODS, type CallContext } from './methods';
import type { RateLimiter } from './rate-limits';
import type { ApiMethod, FailRule, RequestRecord } from './types';
import type { Workspace } from './workspace';
import { readBody } from '../shared/http';

export class Faults {
  private readonly queue: Array<FailRule & { left: number }> = [];
  readonly latency = new Map<string, number>();

  failNext(rule: FailRule): void {
    this.queue.push({ ...rule, left: rule.times ?? 1 });
  }

  take(method: string): FailRule | undefined {
    const i = this.queue.findIndex((r) => r.method === method);
    if (i < 0) return undefined;
    const rule = this.queue[i]!;
    if (--rule.left <= 0) this.queue.splice(i, 1);
    return rule;
  }

  clear(): void {
    this.queue.length = 0;
    this.latency.clear();
  }
}

export interface WebApiDeps {
  ws: Workspace;
  faults: Faults;
  context: Hooks;
  limits: Limits;
  rateLimits: RateLimiter;
  onRequest: (r: RequestRecord) => void;
}

function parseArgs(contentType: string, body: string, query: URLSearchParams): Record<string, unknown> {
  const args: Record<string, unknown> = Object.fromEntries(query.entries());
  if (!body) return args;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    for (const [k, v] of Object.entries(parseQuery(body))) args[k] = Array.isArray(v) ? v[v.length - 1] : v;
  } else if (type === 'application/json') {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new ApiError('invalid_json');
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ApiError('invalid_json');
    // Slack takes no token in a JSON body: it must come as a header.
    const { token: _ignored, ...rest } = json as Record<string, unknown>;
    Object.assign(args, rest);
  } else if (!type) {
    throw new ApiError('missing_post_type');
  } else {
    throw new ApiError('invalid_post_type');
  }
  return args;
}

/** The request listener for `/api/*`. */
export function webApiHandler(deps: WebApiDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = url.pathname.replace(/^\/api\//, '');
    const contentType = String(req.headers['content-type'] ?? '');
    const record: RequestRecord = { method, httpStatus: 200, ok: false, contentType, args: {}, at: Date.now() };
    const answer = (status: number, body: Record<string, unknown> | string, headers: Record<string, string> = {}) => {
      record.httpStatus = status;
      if (typeof body === 'object') {
        record.ok = body.ok === true;
        if (typeof body.error === 'string') record.error = body.error;
      }
      const payload = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, {
        'content-type': typeof body === 'string' ? 'text/html' : 'application/json; charset=utf-8',
        'x-slack-req-id': randomBytes(16).toString('hex'),
        ...headers,
      });
      res.end(payload);
      deps.onRequest(record);
    };
    const raw = await readBody(req);
    let args: Record<string, unknown>;
    try {
      args = parseArgs(contentType, raw, url.searchParams);
    } catch (e) {
      return answer(200, { ok: false, error: (e as ApiError).error });
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
    const { token: _secret, ...visible } = args;
    record.args = visible;
    const spec = METHODS[method as ApiMethod];
    if (!spec) return answer(200, { ok: false, error: 'unknown_method', req_method: method });
    const latency = deps.faults.latency.get(method);
    if (latency) await new Promise((r) => setTimeout(r, latency));
    const fault = deps.faults.take(method);
    if (fault?.drop) {
      record.httpStatus = 0;
      deps.onRequest(record);
      req.socket.destroy();
      return;
    }
    if (fault?.status === 429) return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfter ?? 1) });
    if (fault?.status) return answer(fault.status, `<html><body>${fault.status} injected failure</body></html>`);
    if (!token) return answer(200, { ok: false, error: 'not_authed' });
    if (deps.ws.revoked.has(token)) return answer(200, { ok: false, error: 'token_revoked' });
    const info = deps.ws.tokenInfo(token);
    if (!info) return answer(200, { ok: false, error: 'invalid_auth' });
    record.tokenKind = info.kind;
    record.appId = info.app.appId;
    if (fault?.error) return answer(200, { ok: false, error: fault.error });
    if (info.kind !== spec.token) return answer(200, { ok: false, error: 'not_allowed_token_type' });
    const wait = deps.rateLimits.take(info.app.appId, method);
    if (wait !== undefined) return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(wait) });
    const ctx: CallContext = { ws: deps.ws, app: info.app, args, limits: deps.limits, ...deps.context };
    const granted = info.kind === 'bot' ? info.app.scopes : info.app.appScopes;
    const headers = { 'x-oauth-scopes': [...granted].join(','), 'x-accepted-oauth-scopes': spec.scopes(ctx).join(',') };
    const needed = spec.scopes(ctx);
    if (needed.length && !needed.some((s) => granted.has(s))) {
      return answer(200, { ok: false, error: 'missing_scope', needed: needed.join(','), provided: [...granted].join(',') }, headers);
    }
    try {
      const body = spec.handler(ctx);
      if (fault?.lostAnswer) {
        record.httpStatus = 0;
        record.ok = true;
        deps.onRequest(record);
        req.socket.destroy();
        return;
      }
      answer(200, { ok: true, ...body }, headers);
    } catch (e) {
      if (!(e instanceof ApiError)) return answer(500, `<html><body>emulator error: ${(e as Error).message}</body></html>`);
      answer(200, { ok: false, error: e.error, ...e.extra }, headers);
    }
  };
}

/**
 * The HTTP side: `/bot<token>/<method>` with parameters from the query string and a JSON,
 * url-encoded or multipart body; answers `{ ok, result }` or `{ ok: false, error_code, description }`
 * with the HTTP status Telegram uses (the error code). Faults and latency apply before the call.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { NGINX_PAGE, type Faults } from './faults';
import type { Answer } from './updates';
import type { BotState, World } from './world';
import { readBody } from '../shared/http';

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

/** Text fields of a multipart/form-data body (files are not emulated). */
function multipart(body: string, contentType: string): Record<string, string> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const out: Record<string, string> = {};
  if (!boundary) return out;
  for (const part of body.split(`--${boundary[1] ?? boundary[2]}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const name = /name="([^"]+)"/.exec(part.slice(0, split))?.[1];
    if (name) out[name] = part.slice(split + 4).replace(/\r\n$/, '');
  }
  return out;
}

async function params(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = Object.fromEntries(url.searchParams.entries());
  const body = await readBody(req);
  if (!body) return out;
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    try {
      const json = JSON.parse(body) as unknown;
      if (json && typeof json === 'object') Object.assign(out, json);
    } catch {
      // Telegram ignores a body it cannot read: the call sees only the query parameters.
    }
  } else if (type.includes('multipart/form-data')) Object.assign(out, multipart(body, type));
  else Object.assign(out, Object.fromEntries(new URLSearchParams(body).entries()));
  return out;
}

function send(res: ServerResponse, status: number, body: string, type: string): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function createServer(
  world: World,
  faults: Faults,
  handlers: Record<string, MethodHandler>,
  onRequest: (r: RequestRecord) => void,
): Server {
  return createHttpServer(async (req, res) => {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://emulator');
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
      const p = await params(req, url);
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

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import {
  BoundedMap,
  Context,
  DeliveryError,
  Options,
  inject,
  injectable,
  type ChannelAdapter,
  type OutboundEnvelope,
  type PluginContext,
  type SendResult,
} from '../../core/plugin';
import type { WebchatOptions } from './options';
import { renderPage } from './page';
import { ID_PATTERN, parseClientFrame, type ServerFrame } from './protocol';

/** How soon an answer for an offline visitor is offered again: about when a reloaded page is back. */
const OFFLINE_RETRY_MS = 2000;
const MAX_REMEMBERED_MESSAGES = 50_000;

/**
 * Serves the chat page and its WebSocket on the gateway's HTTP server. Each visitor (an id the page
 * keeps in localStorage) is one direct conversation; every tab of a visitor gets the answers. An
 * answer for a visitor with no open tab is deferred: core keeps it until the page is back.
 */
@injectable()
export class WebchatAdapter implements ChannelAdapter {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
  private readonly visitors = new Map<string, Set<WebSocket>>();
  /** Message id → visitor, so an answer that only names `replyTo` finds its conversation. */
  private readonly messageOwner = new BoundedMap<string, string>(MAX_REMEMBERED_MESSAGES);
  private pagePath = '';

  constructor(
    @inject(Context) private readonly ctx: PluginContext,
    @inject(Options) private readonly options: WebchatOptions,
  ) {}

  async start(): Promise<void> {
    this.pagePath = this.ctx.http.route('GET', '/', (req, res) => {
      if (!this.tokenOk(new URL(req.url ?? '/', 'http://x').searchParams.get('token'))) {
        res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('This chat needs an access token: open the link you were given (…?token=...).');
        return;
      }
      const nonce = randomBytes(16).toString('base64');
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:`,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      });
      res.end(renderPage({ title: this.options.title, nonce, maxLength: this.options.maxMessageLength }));
    });
    this.ctx.http.upgrade('/ws', (req, socket, head) => this.upgrade(req, socket, head));
    this.ctx.logger.info({ url: `${this.ctx.http.baseUrl}${this.pagePath}/` }, 'web chat page ready');
    this.ctx.status('connected', `page at ${this.pagePath}/`);
  }

  async stop(): Promise<void> {
    for (const ws of this.wss.clients) ws.close(1001, 'gateway stopping');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    for (const ws of this.wss.clients) ws.terminate();
    this.visitors.clear();
  }

  async send(env: OutboundEnvelope): Promise<SendResult> {
    const visitor = env.conversation?.id ?? this.messageOwner.get(env.replyTo!);
    if (!visitor)
      throw DeliveryError.permanent(
        `unknown conversation: replyTo "${env.replyTo}" is not a message this gateway received; set conversation.id to the visitor id`,
        { code: 'E_SCHEMA' },
      );
    if (env.native) throw DeliveryError.permanent('the web chat has no native payloads; send text', { code: 'E_UNSUPPORTED' });
    const sockets = [...(this.visitors.get(visitor) ?? [])].filter((ws) => ws.readyState === WebSocket.OPEN);
    if (sockets.length === 0) throw DeliveryError.deferred(`visitor ${visitor} has no open chat page`, { retryAfterMs: OFFLINE_RETRY_MS });
    const frame: ServerFrame = {
      type: 'reply',
      id: env.id,
      text: env.text ?? '',
      format: env.format ?? 'plain',
      ...(env.replyTo ? { replyTo: env.replyTo } : {}),
      time: new Date().toISOString(),
    };
    const data = JSON.stringify(frame);
    const sent = await Promise.all(sockets.map((ws) => new Promise<boolean>((resolve) => ws.send(data, (err) => resolve(!err)))));
    if (!sent.some(Boolean))
      throw DeliveryError.deferred(`visitor ${visitor}: the page closed while the answer was sent`, { retryAfterMs: OFFLINE_RETRY_MS });
    return { messageIds: [`wc_${env.id}`] };
  }

  private tokenOk(given: string | null): boolean {
    const want = this.options.token;
    if (!want) return true;
    if (!given || given.length !== want.length) return false;
    return timingSafeEqual(Buffer.from(given), Buffer.from(want));
  }

  private originOk(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (!origin) return true; // not a browser: the token (if any) is the gate
    const allowed = this.options.allowedOrigins;
    if (allowed.includes('*') || allowed.includes(origin)) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const params = new URL(req.url ?? '/', 'http://x').searchParams;
    const visitor = params.get('visitor') ?? '';
    const refuse = (status: string, why: string) => {
      this.ctx.logger.info({ origin: req.headers.origin, why }, 'web chat connection refused');
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${why}`);
    };
    if (!this.originOk(req)) return refuse('403 Forbidden', `origin ${req.headers.origin} is not allowed (add it to allowedOrigins)`);
    if (!this.tokenOk(params.get('token'))) return refuse('401 Unauthorized', 'missing or wrong token');
    if (!ID_PATTERN.test(visitor)) return refuse('400 Bad Request', 'visitor id must be 8-64 characters of A-Z a-z 0-9 _ -');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(visitor, ws));
  }

  private attach(visitor: string, ws: WebSocket): void {
    let tabs = this.visitors.get(visitor);
    if (!tabs) this.visitors.set(visitor, (tabs = new Set()));
    tabs.add(ws);
    ws.on('close', () => {
      tabs!.delete(ws);
      if (tabs!.size === 0 && this.visitors.get(visitor) === tabs) this.visitors.delete(visitor);
    });
    ws.on('error', () => ws.terminate());
    ws.on('message', (data) => void this.onFrame(visitor, ws, data.toString()));
  }

  private async onFrame(visitor: string, ws: WebSocket, raw: string): Promise<void> {
    const reply = (f: ServerFrame) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(f));
    const frame = parseClientFrame(raw, this.options.maxMessageLength);
    if ('error' in frame) return void reply({ type: 'error', ...(frame.id ? { id: frame.id } : {}), message: frame.error, retry: false });
    const messageId = `${visitor}.${frame.id}`;
    try {
      const result = await this.ctx.publish({
        messageId,
        conversation: { id: visitor, type: 'direct' },
        sender: { id: visitor, name: 'Visitor' },
        parts: [{ type: 'text', text: frame.text }],
      });
      this.messageOwner.set(messageId, visitor);
      reply({ type: 'ack', id: frame.id });
      if (result.outcome === 'stored') {
        const echo = JSON.stringify({
          type: 'message',
          id: frame.id,
          text: frame.text,
          time: new Date().toISOString(),
        } satisfies ServerFrame);
        for (const tab of this.visitors.get(visitor) ?? []) if (tab !== ws && tab.readyState === WebSocket.OPEN) tab.send(echo);
      }
    } catch (err) {
      this.ctx.logger.warn({ visitor, err: (err as Error).message }, 'web chat message not stored; the page will resend it');
      reply({ type: 'error', id: frame.id, message: 'not delivered yet, retrying', retry: true });
    }
  }
}

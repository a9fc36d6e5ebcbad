import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { Context, DeliveryError, Options, inject, injectable } from '../../core/plugin';
import type * as plugin from '../../core/plugin';
import { Files } from './files';
import { Identities, type Visitor } from './identity';
import { clickDraft, messageDraft, visitorOfMessage } from './inbound';
import type { WebchatOptions } from './options';
import { bubble, bubbleId, emojiOf } from './outbound';
import { renderPage } from './page';
import { parseClientFrame, type ClientFrame, type ServerFrame } from './protocol';
import { RateLimit } from './rate';
import { Visitors } from './visitors';

/** How soon an answer for an offline visitor is offered again: about when a reloaded page is back. */
const OFFLINE_RETRY_MS = 2000;
/** WebSocket close code for a connection whose identity is missing, forged or expired. */
const CLOSE_IDENTITY = 4401;

/** What the adapter keeps with a bubble (core stores it with the message, for edits and deletes on any replica). */
interface Handle {
  visitor: string;
}

/**
 * Serves the chat page, its WebSocket and its files on the gateway's HTTP server. Each visitor (an id
 * the embedding site signs, or one the gateway issues) is one direct conversation; every tab of a
 * visitor gets the answers. A bubble streams, is edited, deleted, carries buttons and files. An answer
 * for a visitor with no open tab is deferred: core keeps it until the page is back.
 */
@injectable()
export class WebchatAdapter implements plugin.ChannelAdapter {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
  private readonly visitors = new Visitors();
  private readonly identities: Identities;
  private readonly files: Files;
  private readonly rate: RateLimit;
  private pagePath = '';

  constructor(
    @inject(Context) private readonly ctx: plugin.PluginContext,
    @inject(Options) private readonly options: WebchatOptions,
  ) {
    this.identities = new Identities(ctx.store, options.identitySecret, `webchat:${ctx.account}`);
    this.files = new Files(ctx, this.identities, { maxFileBytes: options.maxFileBytes, linkSeconds: options.fileLinkSeconds });
    this.rate = new RateLimit(options.maxMessagesPerMinute);
  }

  async start(): Promise<void> {
    await this.identities.start();
    this.pagePath = this.ctx.http.route('GET', '/', (req, res) => this.page(req, res));
    this.ctx.http.route('POST', '/upload', (req, res) => this.upload(req, res));
    this.ctx.http.route('GET', '/file', (req, res) => this.files.serve(req, res));
    this.ctx.http.upgrade('/ws', (req, socket, head) => this.upgrade(req, socket, head));
    this.ctx.logger.info({ url: `${this.ctx.http.baseUrl}${this.pagePath}/` }, 'web chat page ready');
    this.ctx.status('connected', `page at ${this.pagePath}/`);
  }

  async stop(): Promise<void> {
    this.identities.stop();
    for (const ws of this.wss.clients) ws.close(1001, 'gateway stopping');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    for (const ws of this.wss.clients) ws.terminate();
    this.visitors.closeAll();
  }

  async send(env: plugin.OutboundEnvelope, info: plugin.SendInfo): Promise<plugin.SendResult> {
    const visitor = env.conversation?.id ?? visitorOfMessage(env.replyTo);
    if (!visitor)
      throw DeliveryError.permanent(
        `unknown conversation: replyTo "${env.replyTo}" is not a visitor's message; set conversation.id to the visitor id`,
        { code: 'E_SCHEMA' },
      );
    const content = bubble(env, info, this.files, this.pagePath, env.stream === true);
    this.present(visitor);
    if (content.actions.length) await this.ctx.store.put(ownerKey(bubbleId(env.id)), visitor);
    const time = new Date().toISOString();
    const frame: ServerFrame = { type: 'reply', id: env.id, ...(env.replyTo ? { replyTo: env.replyTo } : {}), time, ...content };
    if (content.streaming) this.visitors.remember(visitor, env.id, { ...frame, type: 'update' });
    await this.deliver(visitor, frame, 'the answer');
    return { messageIds: [bubbleId(env.id)], handle: { visitor } satisfies Handle };
  }

  /** A stream's next frame, or an edit; a frame the visitor misses is kept for the page's return, a final or an edit is deferred. */
  async edit(env: plugin.OutboundEnvelope, target: plugin.SentMessage, info: plugin.SendInfo): Promise<plugin.EditResult> {
    const visitor = this.visitorOf(target);
    const content = bubble(env, info, this.files, this.pagePath, target.streaming && !env.done);
    if (content.actions.length) await this.ctx.store.put(ownerKey(bubbleId(target.envelope)), visitor);
    const frame: ServerFrame = { type: 'update', id: target.envelope, time: new Date().toISOString(), ...content };
    if (content.streaming) {
      this.visitors.remember(visitor, target.envelope, frame);
      await this.visitors.send(visitor, frame);
      return {};
    }
    await this.deliver(visitor, frame, 'the edit');
    this.visitors.remember(visitor, target.envelope, undefined);
    return {};
  }

  async delete(target: plugin.SentMessage): Promise<void> {
    const visitor = this.visitorOf(target);
    this.visitors.remember(visitor, target.envelope, undefined);
    await this.deliver(visitor, { type: 'delete', id: target.envelope }, 'the delete');
  }

  async typing(target: { conversation?: string; replyTo?: string }): Promise<void> {
    const visitor = target.conversation ?? visitorOfMessage(target.replyTo);
    if (visitor) await this.visitors.send(visitor, { type: 'typing' });
  }

  /** The bot's reaction on a visitor's message (`<visitor>.<page id>`). */
  async react(r: plugin.ReactionRequest): Promise<void> {
    const visitor = visitorOfMessage(r.messageId);
    if (!visitor || r.messageId.startsWith('wc_'))
      throw DeliveryError.permanent(`the bot reacts only to visitors' messages (ids "<visitor>.<id>"); "${r.messageId}" is not one`, {
        code: 'E_UNSUPPORTED',
      });
    const frame: ServerFrame = {
      type: 'reaction',
      message: r.messageId.slice(visitor.length + 1),
      emoji: emojiOf(r.emoji),
      remove: r.remove,
    };
    await this.deliver(visitor, frame, 'the reaction');
  }

  /** A visitor's upload, for `chat.media` requests (the part already names the object; this serves its `ref`). */
  async fetchMedia(request: plugin.MediaRequest): Promise<plugin.MediaDownload> {
    const mine = `${this.ctx.channel}/${this.ctx.account}/up/`;
    const file = request.ref.startsWith(mine) ? await this.ctx.media.get(request.ref) : undefined;
    if (!file) throw DeliveryError.permanent(`no file "${request.ref}" was uploaded to this chat (or it expired)`, { code: 'E_SCHEMA' });
    return { body: file.stream(), mime: file.mime, size: file.size, ...(file.name ? { name: file.name } : {}) };
  }

  /** Sends to the visitor's open tabs; none took it: deferred, so core offers it again when the page is back. */
  private async deliver(visitor: string, frame: ServerFrame, what: string): Promise<void> {
    this.present(visitor);
    if ((await this.visitors.send(visitor, frame)) === 0)
      throw DeliveryError.deferred(`visitor ${visitor}: the page closed while ${what} was sent`, { retryAfterMs: OFFLINE_RETRY_MS });
  }

  private present(visitor: string): void {
    if (this.visitors.open(visitor).length === 0)
      throw DeliveryError.deferred(`visitor ${visitor} has no open chat page`, { retryAfterMs: OFFLINE_RETRY_MS });
  }

  private visitorOf(target: plugin.SentMessage): string {
    const visitor = (target.handle as Handle | undefined)?.visitor ?? target.conversation ?? visitorOfMessage(target.replyTo);
    if (!visitor) throw DeliveryError.permanent(`message of envelope "${target.envelope}" has no visitor`, { code: 'E_SCHEMA' });
    return visitor;
  }

  private page(req: IncomingMessage, res: ServerResponse): void {
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
    res.end(
      renderPage({
        title: this.options.title,
        nonce,
        maxLength: this.options.maxMessageLength,
        maxFileBytes: this.options.maxFileBytes,
        signed: this.identities.signed,
      }),
    );
  }

  private async upload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const deny = (status: number, message: string) => {
      req.resume();
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: { code: 'E_SCHEMA', message } }));
    };
    if (!this.originOk(req)) return deny(403, `origin ${req.headers.origin} is not allowed (add it to allowedOrigins)`);
    if (!this.tokenOk(new URL(req.url ?? '/', 'http://x').searchParams.get('token'))) return deny(401, 'missing or wrong token');
    const auth = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
    const visitor = auth ? this.identities.check(auth[1]!) : { refused: 'an upload needs the identity (authorization: Bearer ...)' };
    if ('refused' in visitor) return deny(401, visitor.refused);
    await this.files.upload(req, res, visitor);
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
    const refuse = (status: string, why: string) => {
      this.ctx.logger.info({ origin: req.headers.origin, why }, 'web chat connection refused');
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${why}`);
    };
    if (!this.originOk(req)) return refuse('403 Forbidden', `origin ${req.headers.origin} is not allowed (add it to allowedOrigins)`);
    if (!this.tokenOk(params.get('token'))) return refuse('401 Unauthorized', 'missing or wrong token');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(params.get('identity') ?? '', ws));
  }

  /**
   * Who the connection is: a signed identity (closed with 4401 and the reason when it is missing,
   * forged or expired); in anonymous mode, no identity gets a new one. The hello frame says who.
   */
  private attach(token: string, ws: WebSocket): void {
    ws.on('error', () => ws.terminate());
    let visitor: Visitor;
    let renewed: string | undefined;
    const checked = token ? this.identities.check(token) : undefined;
    if (checked && 'refused' in checked) return this.closeIdentity(ws, checked.refused);
    if (checked) visitor = checked;
    else if (this.identities.signed) return this.closeIdentity(ws, 'this chat needs a signed identity from the site (identity=...)');
    else visitor = this.identities.issue().visitor;
    if (visitor.anonymous) renewed = this.identities.issue(visitor.id).token;
    const hello: ServerFrame = { type: 'hello', visitor: visitor.id, ...(visitor.name ? { name: visitor.name } : {}) };
    ws.send(JSON.stringify(renewed ? { ...hello, identity: renewed } : hello));
    this.visitors.attach(visitor.id, ws);
    ws.on('message', (data) => void this.onFrame(visitor, ws, data.toString()));
  }

  private closeIdentity(ws: WebSocket, reason: string): void {
    this.ctx.logger.info({ why: reason }, 'web chat identity refused');
    // A close reason is at most 123 bytes: cut by bytes, not characters, at a character boundary.
    let cut = reason;
    while (Buffer.byteLength(cut) > 123) cut = cut.slice(0, -1);
    ws.close(CLOSE_IDENTITY, cut);
  }

  private async onFrame(visitor: Visitor, ws: WebSocket, raw: string): Promise<void> {
    const reply = (f: ServerFrame) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(f));
    const frame = parseClientFrame(raw, this.options.maxMessageLength);
    if ('error' in frame) return void reply({ type: 'error', ...(frame.id ? { id: frame.id } : {}), message: frame.error, retry: false });
    const wait = this.rate.take(visitor.id);
    if (wait !== undefined) {
      const message = `too many messages: at most ${this.rate.perMinute} a minute; sent again in ${Math.ceil(wait / 1000)} s`;
      return void reply({ type: 'error', id: frame.id, message, retry: true, retryAfterMs: wait });
    }
    try {
      if (frame.type === 'click') await this.onClick(visitor, frame, reply);
      else await this.onMessage(visitor, frame, ws, reply);
    } catch (err) {
      this.ctx.logger.warn({ visitor: visitor.id, err: (err as Error).message }, 'web chat frame not stored; the page will resend it');
      reply({ type: 'error', id: frame.id, message: 'not delivered yet, retrying', retry: true, retryAfterMs: OFFLINE_RETRY_MS });
    }
  }

  private async onMessage(
    visitor: Visitor,
    frame: Extract<ClientFrame, { type: 'message' }>,
    ws: WebSocket,
    reply: (f: ServerFrame) => unknown,
  ): Promise<void> {
    const files = frame.files.map((receipt) => this.files.uploaded(receipt, visitor.id));
    if (files.some((f) => !f))
      return void reply({
        type: 'error',
        id: frame.id,
        message: 'an attachment is unknown or its upload expired: attach it again',
        retry: false,
      });
    const uploaded = files.map((f) => f!);
    const result = await this.ctx.publish(messageDraft(visitor, frame, uploaded));
    reply({ type: 'ack', id: frame.id });
    if (result.outcome !== 'stored') return;
    const links = await Promise.all(uploaded.map((f) => this.ctx.media.get(f.object)));
    const echo: ServerFrame = {
      type: 'message',
      id: frame.id,
      text: frame.text,
      time: new Date().toISOString(),
      files: links.filter((f) => f !== undefined).map((f) => this.files.link(f, this.pagePath)),
    };
    await this.visitors.send(visitor.id, echo, ws);
  }

  /** A click on a bubble of this visitor's; one on another visitor's bubble, or one core refuses, gets an error frame. */
  private async onClick(
    visitor: Visitor,
    frame: Extract<ClientFrame, { type: 'click' }>,
    reply: (f: ServerFrame) => unknown,
  ): Promise<void> {
    const refused = (why: string) => {
      this.ctx.logger.info({ visitor: visitor.id, message: frame.message, why }, 'web chat click refused');
      reply({ type: 'error', id: frame.id, message: `this button cannot be used: ${why}`, retry: false });
    };
    const owner = await this.ctx.store.get(ownerKey(frame.message));
    if (owner !== visitor.id) return refused('it is not on a message of this conversation');
    const result = await this.ctx.publish(clickDraft(visitor, frame));
    if (result.outcome === 'denied' || result.outcome === 'ignored') return refused(result.reason ?? result.outcome);
    reply({ type: 'ack', id: frame.id });
  }
}

const ownerKey = (bubble: string) => `owner.${bubble}`;

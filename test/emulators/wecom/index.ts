import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeServer, listenLocal } from '../shared/http';
import { encrypt, newAesKey } from './media';
import { Replies, type Callback } from './replies';
import { DEFAULTS, ERR, type BotInfo, type EmulatorOptions, type ErrName, type Frame, type Shown } from './types';

export type { BotInfo, EmulatorOptions, Shown } from './types';
export { ERR } from './types';

/** What a person sends (`say`): text by default; `image`, `file`, `video`, `voice` or `mixed` instead. */
export interface Said {
  botId: string;
  user: string;
  /** A group chat id; without, the user's single chat with the bot. */
  chat?: string;
  text?: string;
  /** In a group, whether the text @-mentions the bot: WeCom pushes group messages to a smart bot only then. */
  mention?: boolean;
  image?: Buffer;
  file?: { bytes: Buffer; name: string };
  video?: Buffer;
  /** A voice message: WeCom gives the bot its transcription only. */
  voice?: string;
  /** Text and images in one message. */
  mixed?: Array<string | Buffer>;
  msgid?: string;
}

/** What became of a pushed callback. */
export interface PushOutcome {
  msgid: string;
  reqId: string;
  /** It was pushed to a connection at least once. */
  delivered: boolean;
  /** The bot answered it with a reply frame. */
  replied: boolean;
  pushes: number;
}

interface Conn {
  ws: WebSocket;
  botId?: string;
  idle?: NodeJS.Timeout;
}

/**
 * A local WeCom for the smart bot's long connection: the WebSocket protocol `@wecom/aibot-node-sdk`
 * speaks (subscribe, ping, callbacks, replies, proactive messages, card updates, media uploads) and
 * the HTTP downloads of inbound media (AES-256-CBC encrypted, as WeCom serves them). See README.md.
 */
export class WeComEmulator extends EventEmitter {
  private opts: Required<EmulatorOptions>;
  private server?: Server;
  private wss?: WebSocketServer;
  private readonly bots = new Map<string, BotInfo>();
  private readonly conns = new Set<Conn>();
  private readonly live = new Map<string, Conn>();
  private readonly files = new Map<string, { bytes: Buffer; name: string; expires: number }>();
  readonly users = new Set<string>();
  readonly groups = new Map<string, Set<string>>();
  readonly replies: Replies;
  /** Every frame a client sent, in order. */
  readonly frames: Array<{ botId?: string; cmd: string; reqId: string; body?: Record<string, unknown> }> = [];
  /** Connections a new subscription replaced (each got `disconnected_event`). */
  readonly kicked: string[] = [];
  readonly protocolErrors: Array<{ error: Error }> = [];
  wsUrl = '';
  httpUrl = '';
  private n = 0;

  constructor(opts: EmulatorOptions = {}) {
    super();
    this.opts = { ...DEFAULTS, ...opts };
    this.replies = new Replies(this, () => this.opts);
  }

  configure(opts: EmulatorOptions): void {
    this.opts = { ...this.opts, ...opts };
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.serveFile(req, res));
    this.wss = new WebSocketServer({ server: this.server });
    this.wss.on('connection', (ws) => this.accept(ws));
    this.httpUrl = await listenLocal(this.server);
    this.wsUrl = this.httpUrl.replace(/^http/, 'ws');
  }

  async stop(): Promise<void> {
    this.replies.close();
    for (const c of this.conns) {
      clearTimeout(c.idle);
      c.ws.terminate();
    }
    this.conns.clear();
    this.live.clear();
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    await closeServer(this.server);
  }

  addBot(b: { name: string; botId?: string; secret?: string }): BotInfo {
    const bot = {
      name: b.name,
      botId: b.botId ?? `aib${randomBytes(8).toString('hex')}`,
      secret: b.secret ?? randomBytes(16).toString('hex'),
    };
    this.bots.set(bot.botId, bot);
    return bot;
  }

  /** A group chat with these bots in it; returns its chatid. */
  addGroup(botIds: string[], chatid = `wr${randomBytes(6).toString('hex')}`): string {
    const members = this.groups.get(chatid) ?? new Set<string>();
    for (const id of botIds) members.add(id);
    this.groups.set(chatid, members);
    return chatid;
  }

  bot(botId: string): BotInfo | undefined {
    return this.bots.get(botId);
  }

  /** The bot has a subscribed connection. */
  connected(botId: string): boolean {
    return this.live.has(botId);
  }

  /** How many subscribed connections there are across bots (one per bot at most). */
  get connectionCount(): number {
    return this.live.size;
  }

  async waitForConnection(botId: string, timeoutMs = 10_000): Promise<void> {
    for (const until = Date.now() + timeoutMs; !this.connected(botId); await new Promise((r) => setTimeout(r, 10)))
      if (Date.now() > until) throw new Error(`bot ${botId} did not subscribe within ${timeoutMs} ms`);
  }

  /** Closes the bot's connection without a close frame (a network failure). */
  dropConnection(botId: string): void {
    this.live.get(botId)?.ws.terminate();
  }

  /** A person's message: pushed as `aibot_msg_callback`, again while the bot does not reply (`replyWindowMs`, `pushes`). */
  say(m: Said): Promise<PushOutcome> {
    const body = this.messageBody(m);
    if (!body) {
      // WeCom pushes a group message to a smart bot only when it @-mentions the bot.
      const msgid = m.msgid ?? this.msgid();
      return Promise.resolve({ msgid, reqId: '', delivered: false, replied: false, pushes: 0 });
    }
    return this.replies.push(m.botId, 'aibot_msg_callback', body, { chat: m.chat ?? m.user, user: m.user });
  }

  /** Pushes the callback of an earlier message again, with its req_id, as WeCom does when it got no reply. */
  repush(msgid: string): Promise<PushOutcome> {
    return this.replies.repush(msgid);
  }

  /** The user opens the single chat with the bot (`enter_chat`, the first time each day); resolves once pushed. */
  enterChat(botId: string, user: string): Promise<PushOutcome> {
    this.users.add(user);
    const body = this.eventBody(botId, user, undefined, { eventtype: 'enter_chat' });
    return this.replies.push(botId, 'aibot_event_callback', body, { chat: user, user }, false);
  }

  /**
   * A click on the button labelled `label` of the bot's card `taskId` (only a button that is on it now),
   * as `template_card_event`; resolves once the bot updated the card or the update window passed.
   */
  click(c: { botId: string; user: string; taskId: string; label: string; chat?: string }): Promise<PushOutcome & { updated: boolean }> {
    const shown = this.replies.card(c.botId, c.taskId);
    const button = shown?.card?.buttons.find((b) => b.text === c.label);
    if (!shown || !button) throw new Error(`no button "${c.label}" on card ${c.taskId}`);
    const chat = c.chat ?? shown.chat;
    return this.pushEvent(c.botId, c.user, chat === c.user ? undefined : chat, {
      eventtype: 'template_card_event',
      event_key: button.key,
      task_id: c.taskId,
    });
  }

  /** Any event (a forged click, a feedback event); resolves as `click` does. */
  pushEvent(
    botId: string,
    user: string,
    group: string | undefined,
    event: Record<string, unknown>,
  ): Promise<PushOutcome & { updated: boolean }> {
    this.users.add(user);
    return this.replies.pushEvent(botId, this.eventBody(botId, user, group, event), { chat: group ?? user, user });
  }

  /** Everything the bot showed, optionally in one chat. */
  shown(chat?: string): Shown[] {
    return this.replies.shown.filter((s) => !chat || s.chat === chat);
  }

  /** The next frame with this `cmd` is answered with this error (and not carried out). */
  failNext(cmd: string, err: ErrName): void {
    this.replies.faults.push({ cmd, err });
  }

  // ---- the connection

  private accept(ws: WebSocket): void {
    const conn: Conn = { ws };
    this.conns.add(conn);
    this.touch(conn);
    ws.on('message', (data) => this.onFrame(conn, data.toString()));
    ws.on('close', () => {
      clearTimeout(conn.idle);
      this.conns.delete(conn);
      if (conn.botId && this.live.get(conn.botId) === conn) this.live.delete(conn.botId);
    });
  }

  private touch(conn: Conn): void {
    clearTimeout(conn.idle);
    conn.idle = setTimeout(() => conn.ws.terminate(), this.opts.idleTimeoutMs);
  }

  /** Sends a frame to the bot's live connection; false when it has none. */
  sendTo(botId: string, frame: Frame): boolean {
    const conn = this.live.get(botId);
    if (!conn) return false;
    conn.ws.send(JSON.stringify(frame));
    return true;
  }

  private answer(conn: Conn, reqId: string, [errcode, errmsg]: readonly [number, string], body?: Record<string, unknown>): void {
    conn.ws.send(JSON.stringify({ headers: { req_id: reqId }, errcode, errmsg, ...(body ? { body } : {}) }));
  }

  private onFrame(conn: Conn, text: string): void {
    this.touch(conn);
    let frame: Frame;
    try {
      frame = JSON.parse(text) as Frame;
    } catch {
      this.protocolErrors.push({ error: new Error(`a frame that is not JSON: ${text.slice(0, 80)}`) });
      return;
    }
    const reqId = frame.headers?.req_id;
    if (typeof frame.cmd !== 'string' || typeof reqId !== 'string' || !reqId) {
      this.protocolErrors.push({ error: new Error(`a frame without cmd or headers.req_id: ${text.slice(0, 80)}`) });
      return;
    }
    this.frames.push({ ...(conn.botId ? { botId: conn.botId } : {}), cmd: frame.cmd, reqId, ...(frame.body ? { body: frame.body } : {}) });
    this.emit('frame', frame);
    if (frame.cmd === 'aibot_subscribe') return this.subscribe(conn, reqId, frame.body ?? {});
    if (!conn.botId || this.live.get(conn.botId) !== conn) return this.answer(conn, reqId, ERR.notSubscribed);
    if (frame.cmd === 'ping') return this.answer(conn, reqId, ERR.ok);
    const result = this.replies.handle(conn.botId, frame.cmd, reqId, frame.body ?? {});
    if ('unknown' in result) {
      this.protocolErrors.push({ error: new Error(`unknown cmd ${frame.cmd}`) });
      return this.answer(conn, reqId, ERR.invalidParam);
    }
    this.answer(conn, reqId, ERR[result.err], result.body);
  }

  private subscribe(conn: Conn, reqId: string, body: Record<string, unknown>): void {
    const bot = this.bots.get(String(body.bot_id ?? ''));
    if (!bot || body.secret !== bot.secret) return this.answer(conn, reqId, ERR.badSecret);
    const old = this.live.get(bot.botId);
    conn.botId = bot.botId;
    this.live.set(bot.botId, conn);
    this.answer(conn, reqId, ERR.ok);
    if (old && old !== conn) {
      // One connection per bot: the old one is told, then closed.
      this.kicked.push(bot.botId);
      old.ws.send(
        JSON.stringify({
          cmd: 'aibot_event_callback',
          headers: { req_id: `evt_${this.msgid()}` },
          body: { ...this.eventBody(bot.botId, '', undefined, { eventtype: 'disconnected_event' }), from: {} },
        }),
      );
      setTimeout(() => old.ws.close(1000, 'new connection'), 50).unref();
    }
  }

  // ---- bodies

  msgid(): string {
    return `msg${Date.now().toString(36)}${(++this.n).toString(36)}${randomBytes(4).toString('hex')}`;
  }

  private mediaUrl(bytes: Buffer, name: string): { url: string; aeskey: string } {
    const aeskey = newAesKey();
    const token = randomBytes(12).toString('hex');
    this.files.set(token, { bytes: encrypt(bytes, aeskey), name, expires: Date.now() + this.opts.mediaUrlTtlMs });
    return { url: `${this.httpUrl}/media/${token}`, aeskey };
  }

  private messageBody(m: Said): Record<string, unknown> | undefined {
    const bot = this.bots.get(m.botId);
    if (!bot) throw new Error(`no bot ${m.botId}`);
    this.users.add(m.user);
    const group = !!m.chat;
    if (group && !this.groups.get(m.chat!)?.has(m.botId)) throw new Error(`bot ${m.botId} is not in group ${m.chat}`);
    if (group && !m.mention) return undefined;
    const at = group ? `@${bot.name} ` : '';
    const common = {
      msgid: m.msgid ?? this.msgid(),
      aibotid: m.botId,
      ...(group ? { chatid: m.chat } : {}),
      chattype: group ? 'group' : 'single',
      from: { userid: m.user },
      create_time: Math.floor(Date.now() / 1000),
    };
    if (m.image) return { ...common, msgtype: 'image', image: this.mediaUrl(m.image, 'image.png') };
    if (m.file) return { ...common, msgtype: 'file', file: this.mediaUrl(m.file.bytes, m.file.name) };
    if (m.video) return { ...common, msgtype: 'video', video: this.mediaUrl(m.video, 'video.mp4') };
    if (m.voice !== undefined) return { ...common, msgtype: 'voice', voice: { content: m.voice } };
    if (m.mixed) {
      const items = m.mixed.map((x, i) =>
        typeof x === 'string'
          ? { msgtype: 'text', text: { content: i === 0 ? at + x : x } }
          : { msgtype: 'image', image: this.mediaUrl(x, 'image.png') },
      );
      return { ...common, msgtype: 'mixed', mixed: { msg_item: items } };
    }
    return { ...common, msgtype: 'text', text: { content: at + (m.text ?? '') } };
  }

  private eventBody(botId: string, user: string, group: string | undefined, event: Record<string, unknown>): Record<string, unknown> {
    return {
      msgid: this.msgid(),
      create_time: Math.floor(Date.now() / 1000),
      aibotid: botId,
      ...(group ? { chatid: group, chattype: 'group' } : { chattype: 'single' }),
      from: { userid: user },
      msgtype: 'event',
      event,
    };
  }

  private serveFile(req: IncomingMessage, res: ServerResponse): void {
    const token = /^\/media\/([0-9a-f]+)$/.exec(req.url ?? '')?.[1];
    const file = token ? this.files.get(token) : undefined;
    if (!file) return void res.writeHead(404).end();
    if (Date.now() > file.expires) return void res.writeHead(403, { 'content-type': 'text/plain' }).end('url expired');
    res
      .writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': file.bytes.length,
        'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      })
      .end(file.bytes);
  }
}

export type { Callback };

/**
 * A local Discord for tests: the HTTP API v10 (`/api/v10`), the gateway over WebSocket, and the CDN
 * serving attachments, spoken to the real `discord.js` client (`rest: { api: emu.apiUrl }`; the
 * gateway URL comes from `GET /gateway/bot`). People post, click, run slash commands, react and delete
 * through the methods below; what bots do is recorded. See README.md.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { closeServer, listenLocal } from '../shared/http';
import { Gateway } from './gateway';
import type { Limit } from './rate-limits';
import { Rest, type Fault, type RestOptions } from './rest';
import { Intents, snowflake, type ApiMessage, type ApiUser, type AppRecord, type ChannelRecord, type MessageRecord } from './types';
import { World } from './world';

export type { ApiMessage, ApiUser, MessageRecord } from './types';

export interface EmulatorOptions extends Partial<RestOptions> {
  /** Hello's heartbeat_interval (Discord: 41,250 ms). */
  heartbeatIntervalMs?: number;
  /** Route buckets (`METHOD /template`), replacing Discord's figures; `{}`: none. */
  limits?: Record<string, Limit>;
  global?: Limit;
}

export interface AppInfo {
  appId: string;
  botUserId: string;
  token: string;
  name: string;
}

/** A click's or a command's outcome: acknowledged in time (with the callback type), or not (10062). */
export interface InteractionOutcome {
  acked: boolean;
  type?: number;
  code?: number;
}

export class DiscordEmulator {
  readonly world = new World();
  readonly gateway: Gateway;
  readonly rest: Rest;
  /** Typing indicators the bots started: `{ appId, channel, at }`. */
  readonly typing: Array<{ appId: string; channel: string; at: number }> = [];
  /** Attachment downloads from the CDN: `{ path, status }`. */
  readonly downloads: Array<{ path: string; status: number }> = [];
  readonly protocolErrors: Array<{ error: Error }> = [];
  private server?: Server;
  private wss?: WebSocketServer;
  private base = '';

  constructor(options: EmulatorOptions = {}) {
    const rest: RestOptions = {
      maxUploadBytes: options.maxUploadBytes ?? 10 * 1024 * 1024,
      interactionDeadlineMs: options.interactionDeadlineMs ?? 3000,
      nonceWindowMs: options.nonceWindowMs ?? 5 * 60_000,
    };
    this.gateway = new Gateway(
      {
        appByToken: (t) => this.world.appByToken(t),
        ready: (app) => this.ready(app),
        protocolError: (error) => this.protocolErrors.push({ error }),
      },
      { heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250 },
      () => `${this.wsBase}/resume`,
    );
    this.rest = new Rest(this.world, rest, () => this.wsBase, {
      created: (r) => this.echo('MESSAGE_CREATE', r),
      updated: (r) => this.echo('MESSAGE_UPDATE', r),
      deleted: (r) => this.deleted(r),
      reacted: (r, user, emoji, added) => this.reacted(r, user, emoji, added),
      typing: (appId, channel) => this.typing.push({ appId, channel: channel.id, at: Date.now() }),
    });
    this.configure(options);
  }

  /** `http://127.0.0.1:<port>/api`: the discord.js `rest.api` option. */
  get apiUrl(): string {
    return `${this.base}/api`;
  }

  private get wsBase(): string {
    return this.base.replace(/^http/, 'ws');
  }

  /** Limits and timings, also once started. */
  configure(o: EmulatorOptions): void {
    if (o.limits) this.rest.limits.limits = o.limits;
    if (o.global) this.rest.limits.global = o.global;
    for (const k of ['maxUploadBytes', 'interactionDeadlineMs', 'nonceWindowMs'] as const)
      if (o[k] !== undefined) this.rest.options[k] = o[k];
    if (o.heartbeatIntervalMs !== undefined) this.gateway.options.heartbeatIntervalMs = o.heartbeatIntervalMs;
  }

  async start(): Promise<void> {
    this.wss = new WebSocketServer({ noServer: true });
    this.server = createServer((req, res) => void this.onRequest(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path !== '/' && path !== '/resume') return socket.destroy();
      this.wss!.handleUpgrade(req, socket, head, (ws) => this.gateway.accept(ws, req));
    });
    this.base = await listenLocal(this.server);
    this.world.baseUrl = this.base;
  }

  async stop(): Promise<void> {
    this.gateway.close();
    this.wss?.close();
    await closeServer(this.server);
  }

  // --- the developer portal ---

  /** An application with a bot user; `messageContent: false` leaves the privileged Message Content intent off. */
  addApp(o: { name: string; messageContent?: boolean; serverMembers?: boolean }): AppInfo {
    const id = snowflake();
    const bot = this.addUser({ name: o.name.toLowerCase().replace(/\W+/g, '-'), displayName: o.name, bot: true });
    const app: AppRecord = {
      id,
      name: o.name,
      token: `${Buffer.from(bot.id).toString('base64url')}.${snowflake().slice(-6)}.${snowflake()}${Math.random().toString(36).slice(2)}`,
      botUserId: bot.id,
      messageContent: o.messageContent ?? true,
      serverMembers: o.serverMembers ?? false,
    };
    this.world.apps.set(id, app);
    return { appId: id, botUserId: bot.id, token: app.token, name: o.name };
  }

  app(appId: string): AppRecord {
    const a = this.world.apps.get(appId);
    if (!a) throw new Error(`emulator: no app ${appId}`);
    return a;
  }

  addUser(o: { name: string; displayName?: string; bot?: boolean; id?: string }): ApiUser {
    const u: ApiUser = {
      id: o.id ?? snowflake(),
      username: o.name,
      global_name: o.displayName ?? null,
      discriminator: '0',
      avatar: null,
      ...(o.bot ? { bot: true } : {}),
    };
    this.world.users.set(u.id, u);
    return u;
  }

  /** A guild (server) with text channels, its members and the apps invited to it (no GUILD_CREATE: for set-up before connecting). */
  addGuild(o: { name: string; apps: string[]; members: string[]; channels?: string[]; id?: string; channelIds?: string[] }): {
    id: string;
    channels: string[];
  } {
    const id = o.id ?? snowflake();
    const channels = (o.channels ?? ['general']).map((name, i) => {
      const c: ChannelRecord = { id: o.channelIds?.[i] ?? snowflake(), type: 0, name, guildId: id };
      this.world.channels.set(c.id, c);
      return c.id;
    });
    const members = new Set([...o.members, ...o.apps.map((a) => this.app(a).botUserId)]);
    this.world.guilds.set(id, { id, name: o.name, ownerId: o.members[0] ?? snowflake(), channels, members, apps: new Set(o.apps) });
    return { id, channels };
  }

  /** The app's bot is invited to a guild (GUILD_CREATE) or kicked from it (GUILD_DELETE). */
  invite(guildId: string, appId: string): void {
    const g = this.world.guilds.get(guildId)!;
    const app = this.app(appId);
    g.apps.add(appId);
    g.members.add(app.botUserId);
    this.gateway.dispatch(appId, 'GUILD_CREATE', this.world.guildCreate(g, app), { intent: Intents.Guilds });
  }

  kick(guildId: string, appId: string): void {
    const g = this.world.guilds.get(guildId)!;
    g.apps.delete(appId);
    g.members.delete(this.app(appId).botUserId);
    this.gateway.dispatch(appId, 'GUILD_DELETE', { id: guildId, unavailable: false }, { intent: Intents.Guilds });
  }

  /** A person joins or leaves a guild (GUILD_MEMBER_ADD / _REMOVE, for bots with the Server Members intent). */
  join(guildId: string, userId: string): void {
    this.world.guilds.get(guildId)!.members.add(userId);
    this.memberEvent(guildId, 'GUILD_MEMBER_ADD', this.world.member(userId, true));
  }

  leave(guildId: string, userId: string): void {
    this.world.guilds.get(guildId)!.members.delete(userId);
    this.memberEvent(guildId, 'GUILD_MEMBER_REMOVE', { user: this.world.user(userId) });
  }

  /** A member event to the guild's apps (sent to those with the Server Members intent). */
  private memberEvent(guildId: string, event: string, member: Record<string, unknown>): void {
    for (const appId of this.world.guilds.get(guildId)!.apps)
      this.gateway.dispatch(appId, event, { guild_id: guildId, ...member }, { intent: Intents.GuildMembers });
  }

  /** The DM channel between an app's bot and a person. */
  dm(appId: string, userId: string): string {
    return this.world.dm(appId, userId).id;
  }

  // --- what people do ---

  /**
   * A person's message: stored and sent as MESSAGE_CREATE to every bot that can see the channel.
   * `<@id>` in the content mentions; without the Message Content intent a bot gets guild messages that
   * do not mention it with empty content and no attachments, as Discord sends them.
   */
  post(o: {
    channel: string;
    user: string;
    content: string;
    files?: Array<{ name: string; bytes: Buffer; type?: string }>;
    replyTo?: string;
  }): ApiMessage {
    const ch = this.world.channels.get(o.channel);
    if (!ch) throw new Error(`emulator: no channel ${o.channel}`);
    const mentions = [...o.content.matchAll(/<@!?(\d+)>/g)].map((m) => this.world.users.get(m[1]!)).filter((u): u is ApiUser => !!u);
    const files = new Map<string, Buffer>();
    const attachments = (o.files ?? []).map((f) => {
      const a = this.world.attachment(ch.id, f.name, f.bytes.length, f.type);
      files.set(a.id, f.bytes);
      return a;
    });
    const r = this.world.createMessage({
      channel: ch,
      author: o.user,
      content: o.content,
      mentions,
      attachments,
      replyTo: o.replyTo,
      files,
    });
    this.echo('MESSAGE_CREATE', r);
    return r.message;
  }

  /** MESSAGE_CREATE of a message again, as a resumed session may replay it (a redelivery). */
  replay(messageId: string): void {
    this.echo('MESSAGE_CREATE', this.world.messages.get(messageId)!);
  }

  /** A person deletes their message (MESSAGE_DELETE). */
  remove(messageId: string): void {
    const r = this.world.messages.get(messageId)!;
    r.deleted = true;
    this.deleted(r);
  }

  react(o: { message: string; user: string; emoji: string; remove?: boolean }): void {
    const r = this.world.messages.get(o.message)!;
    let x = r.reactions.find((e) => e.emoji.name === o.emoji);
    if (!o.remove) {
      if (!x) r.reactions.push((x = { emoji: { id: null, name: o.emoji }, count: 0, me: false, users: [] }));
      x.users.push(o.user);
    } else if (x) x.users = x.users.filter((u) => u !== o.user);
    this.reacted(r, o.user, o.emoji, !o.remove);
  }

  /**
   * A click on the button labelled `label` (or with `customId`) under a bot's message: INTERACTION_CREATE
   * (type 3) to that bot. Resolves when the bot answered the callback, or with `acked: false` past the deadline.
   */
  click(o: { message: string; user: string; label?: string; customId?: string }): Promise<InteractionOutcome> {
    const r = this.world.messages.get(o.message);
    if (!r?.appId) throw new Error(`emulator: ${o.message} is not a bot's message`);
    const button = r.message.components
      .flatMap((row) => row.components)
      .find((b) => (o.customId ? b.custom_id === o.customId : b.label === o.label));
    if (!button) throw new Error(`emulator: no button ${o.label ?? o.customId} on ${o.message}`);
    return this.interact(r.appId, r.message.channel_id, o.user, 3, { custom_id: button.custom_id, component_type: 2 }, r);
  }

  /** A slash command (`/name option:value`): INTERACTION_CREATE (type 2, APPLICATION_COMMAND) to the app. */
  command(o: {
    appId: string;
    channel: string;
    user: string;
    name: string;
    options?: Record<string, string>;
  }): Promise<InteractionOutcome> {
    // Discord offers only the commands the app registered.
    const registered = this.world.commands.get(o.appId)?.find((c) => c.name === o.name);
    if (!registered) throw new Error(`emulator: app ${o.appId} has no command /${o.name} registered`);
    const options = Object.entries(o.options ?? {}).map(([name, value]) => ({ name, type: 3, value }));
    return this.interact(o.appId, o.channel, o.user, 2, {
      id: registered.id,
      name: o.name,
      type: 1,
      ...(options.length ? { options } : {}),
    });
  }

  // --- records and faults ---

  /** Messages the app's bot posted, in order (deleted ones included, marked). */
  posted(appId: string): MessageRecord[] {
    return [...this.world.messages.values()].filter((r) => r.appId === appId);
  }

  message(id: string): MessageRecord | undefined {
    return this.world.messages.get(id);
  }

  /** The next request on `route` (`METHOD /template`, e.g. `POST /channels/:id/messages`) answers this instead. */
  failNext(f: Fault): void {
    this.rest.faults.push(f);
  }

  /** Open gateway connections of the app. */
  connections(appId: string): number {
    return this.gateway.connected(appId);
  }

  async waitForConnections(appId: string, n: number, timeoutMs = 10_000): Promise<void> {
    for (const until = Date.now() + timeoutMs; this.connections(appId) !== n; await new Promise((r) => setTimeout(r, 10)))
      if (Date.now() > until) throw new Error(`emulator: app ${appId} has ${this.connections(appId)} gateway connections, not ${n}`);
  }

  /** Destroys the app's sockets without a close frame; its sessions stay resumable. */
  dropConnections(appId: string): void {
    this.gateway.drop(appId);
  }

  private ready(app: AppRecord) {
    const guilds = [...this.world.guilds.values()].filter((g) => g.apps.has(app.id));
    return {
      user: { ...this.world.user(app.botUserId), verified: true, mfa_enabled: false, flags: 0 },
      guilds,
      application: { id: app.id, flags: (app.messageContent ? 1 << 19 : 0) | (app.serverMembers ? 1 << 15 : 0) },
      guildCreates: guilds.map((g) => this.world.guildCreate(g, app)),
    };
  }

  /** Apps whose bot sees the channel. */
  private audience(channelId: string): AppRecord[] {
    const ch = this.world.channels.get(channelId)!;
    return [...this.world.apps.values()].filter((a) => this.world.canAccess(a, ch));
  }

  /** MESSAGE_CREATE / MESSAGE_UPDATE to every bot in the channel (the content hidden from those without Message Content). */
  private echo(t: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE', r: MessageRecord): void {
    const m = r.message;
    const guild = !!m.guild_id;
    for (const app of this.audience(m.channel_id)) {
      const d = { ...this.world.view(r, app.id), ...(guild && !r.appId ? { member: this.world.member(m.author.id) } : {}) };
      const sees = !guild || m.author.id === app.botUserId || m.mentions.some((u) => u.id === app.botUserId);
      const hidden = { ...d, content: '', attachments: [], embeds: [], components: [] };
      this.gateway.dispatch(app.id, t, d, {
        intent: guild ? Intents.GuildMessages : Intents.DirectMessages,
        ...(sees ? {} : { withoutContent: hidden }),
      });
    }
  }

  private deleted(r: MessageRecord): void {
    const m = r.message;
    for (const app of this.audience(m.channel_id))
      this.gateway.dispatch(
        app.id,
        'MESSAGE_DELETE',
        { id: m.id, channel_id: m.channel_id, ...(m.guild_id ? { guild_id: m.guild_id } : {}) },
        {
          intent: m.guild_id ? Intents.GuildMessages : Intents.DirectMessages,
        },
      );
  }

  private reacted(r: MessageRecord, userId: string, emoji: string, added: boolean): void {
    const m = r.message;
    const d = {
      user_id: userId,
      channel_id: m.channel_id,
      message_id: m.id,
      ...(m.guild_id ? { guild_id: m.guild_id } : {}),
      ...(m.guild_id && added ? { member: this.world.member(userId, true) } : {}),
      emoji: { id: null, name: emoji },
      burst: false,
      type: 0,
      ...(added ? { message_author_id: m.author.id } : {}),
    };
    for (const app of this.audience(m.channel_id))
      this.gateway.dispatch(app.id, added ? 'MESSAGE_REACTION_ADD' : 'MESSAGE_REACTION_REMOVE', d, {
        intent: m.guild_id ? Intents.GuildMessageReactions : Intents.DirectMessageReactions,
      });
  }

  private interact(
    appId: string,
    channelId: string,
    userId: string,
    type: 2 | 3,
    data: Record<string, unknown>,
    on?: MessageRecord,
  ): Promise<InteractionOutcome> {
    const ch = this.world.channels.get(channelId)!;
    const { id, token } = Rest.interactionIds();
    const deadline = this.rest.options.interactionDeadlineMs;
    return new Promise<InteractionOutcome>((resolve) => {
      const timer = setTimeout(() => resolve({ acked: false, code: 10062 }), deadline + 50);
      this.world.interactions.set(id, {
        id,
        token,
        appId,
        type,
        channelId,
        ...(on ? { messageId: on.message.id } : {}),
        createdAt: Date.now(),
        resolve: (o) => {
          clearTimeout(timer);
          resolve(o);
        },
      });
      const who = ch.guildId ? { member: this.world.member(userId, true), guild_id: ch.guildId } : { user: this.world.user(userId) };
      this.gateway.dispatch(appId, 'INTERACTION_CREATE', {
        id,
        application_id: appId,
        type,
        data,
        ...who,
        channel_id: channelId,
        channel: this.world.channelObject(ch),
        token,
        version: 1,
        ...(on ? { message: this.world.view(on, appId) } : {}),
        app_permissions: '1071698660929',
        locale: 'en-US',
        entitlements: [],
        authorizing_integration_owners: { 0: ch.guildId ?? '0' },
        context: ch.guildId ? 0 : 1,
        attachment_size_limit: this.rest.options.maxUploadBytes,
      });
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://x');
    try {
      if (url.pathname.startsWith('/api/v10/')) return await this.rest.handle(req, res, req.url!, raw);
      if (url.pathname.startsWith('/attachments/') && req.method === 'GET') return this.cdn(url, res);
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: '404: Not Found', code: 0 }));
    } catch (err) {
      this.protocolErrors.push({ error: err as Error });
      res.writeHead(500).end();
    }
  }

  /** The CDN: an attachment's bytes for a URL with a valid, unexpired signature; Discord's "This content is no longer available." otherwise. */
  private cdn(url: URL, res: ServerResponse): void {
    const [, , channelId, id] = url.pathname.split('/');
    const ex = url.searchParams.get('ex') ?? '';
    const valid = url.searchParams.get('hm') === this.world.sign(url.pathname, ex) && parseInt(ex, 16) * 1000 > Date.now();
    const r = [...this.world.messages.values()].find((m) => m.message.channel_id === channelId && m.files.has(id!));
    const bytes = r?.files.get(id!);
    if (!valid || !bytes) {
      this.downloads.push({ path: url.pathname, status: 404 });
      res.writeHead(404, { 'content-type': 'text/plain' }).end('This content is no longer available.');
      return;
    }
    const a = r!.message.attachments.find((x) => x.id === id);
    this.downloads.push({ path: url.pathname, status: 200 });
    res
      .writeHead(200, { 'content-type': a?.content_type ?? 'application/octet-stream', 'content-length': String(bytes.length) })
      .end(bytes);
  }
}

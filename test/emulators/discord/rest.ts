/**
 * Discord's HTTP API v10 under `/api/v10`: bot authentication, the routes the channel uses, their
 * validation and JSON error codes, per-route rate limits, `nonce` + `enforce_nonce`, multipart uploads,
 * interaction callbacks within their deadline, and the CDN that serves attachments.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RateLimits } from './rate-limits';
import { snowflake, type ApiActionRow, type ApiMessage, type AppRecord, type ChannelRecord, type MessageRecord } from './types';
import type { World } from './world';

/** A failure the test asked for: the next request on `route` answers it instead. */
export interface Fault {
  route: string;
  /** The answer's status; with `lostAnswer`, none: the call is carried out, then the socket is destroyed before the answer. */
  status?: number;
  lostAnswer?: boolean;
  /** Requests on the route to let through first (0: the next one). */
  skip?: number;
  code?: number;
  message?: string;
  /** Seconds, for a 429. */
  retryAfter?: number;
  global?: boolean;
}

export interface RestOptions {
  /** Largest upload in one request, all files together (Discord: 10 MiB without boosts; 25 MiB on boosted servers). */
  maxUploadBytes: number;
  /** How long an interaction may wait for its callback (Discord: 3 s). */
  interactionDeadlineMs: number;
  /** How long a nonce with enforce_nonce is remembered (Discord: "a few minutes"). */
  nonceWindowMs: number;
}

/** An error as Discord answers it: HTTP status and `{message, code, errors?}`. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: unknown,
  ) {
    super(message);
  }
}

const formError = (field: string, code: string, message: string) =>
  new ApiError(400, 50035, 'Invalid Form Body', { [field]: { _errors: [{ code, message }] } });
const unknownChannel = () => new ApiError(404, 10003, 'Unknown Channel');
const unknownMessage = () => new ApiError(404, 10008, 'Unknown Message');

/** Every request the bots made: `{ appId, route, at }`. */
export interface RequestRecord {
  appId?: string;
  route: string;
  at: number;
  body?: unknown;
}

/** The emoji a bot may react with: unicode emoji (checked loosely: a pictographic character) or `name:id` of a custom one. */
const isEmoji = (s: string) => /\p{Extended_Pictographic}|\p{Regional_Indicator}/u.test(s) || /^[\w-]+:\d+$/.test(s);

interface Call {
  app?: AppRecord;
  params: string[];
  body: Record<string, unknown>;
  files: Array<{ field: string; name: string; type: string; bytes: Buffer }>;
  query: URLSearchParams;
}

type Handler = (c: Call) => { status: number; body?: unknown } | Promise<{ status: number; body?: unknown }>;

export class Rest {
  readonly limits = new RateLimits();
  readonly requests: RequestRecord[] = [];
  readonly faults: Fault[] = [];
  private readonly routes: Array<{ method: string; template: string; re: RegExp; auth: boolean; handler: Handler }> = [];

  constructor(
    private readonly world: World,
    readonly options: RestOptions,
    private readonly gatewayUrl: () => string,
    private readonly events: {
      /** A message the bot created, edited or deleted: echoed on the gateway. */
      created(r: MessageRecord): void;
      updated(r: MessageRecord): void;
      deleted(r: MessageRecord): void;
      reacted(r: MessageRecord, userId: string, emoji: string, added: boolean): void;
      typing(appId: string, channel: ChannelRecord): void;
    },
  ) {
    this.route('GET', '/gateway/bot', () => ({
      status: 200,
      body: {
        url: this.gatewayUrl(),
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      },
    }));
    this.route('GET', '/users/@me', (c) => ({ status: 200, body: this.world.user(c.app!.botUserId) }));
    this.route('POST', '/users/@me/channels', (c) => {
      const to = c.body.recipient_id;
      if (typeof to !== 'string' || !this.world.users.has(to))
        throw new ApiError(400, 50035, 'Invalid Form Body', {
          recipient_id: { _errors: [{ code: 'NUMBER_TYPE_COERCE', message: 'Value is not snowflake.' }] },
        });
      return { status: 200, body: this.world.channelObject(this.world.dm(c.app!.id, to)) };
    });
    this.route('GET', '/channels/:id', (c) => ({ status: 200, body: this.world.channelObject(this.channel(c)) }));
    this.route('POST', '/channels/:id/messages', (c) => this.createMessage(c));
    this.route('GET', '/channels/:id/messages/:id', (c) => ({ status: 200, body: this.world.view(this.message(c), c.app!.id) }));
    this.route('PATCH', '/channels/:id/messages/:id', (c) => this.editMessage(c));
    this.route('DELETE', '/channels/:id/messages/:id', (c) => {
      const r = this.message(c);
      if (r.appId !== c.app!.id) throw new ApiError(403, 50013, 'Missing Permissions');
      r.deleted = true;
      this.events.deleted(r);
      return { status: 204 };
    });
    this.route('PUT', '/channels/:id/messages/:id/reactions/:emoji/@me', (c) => this.react(c, true));
    this.route('DELETE', '/channels/:id/messages/:id/reactions/:emoji/@me', (c) => this.react(c, false));
    this.route('POST', '/channels/:id/typing', (c) => {
      this.events.typing(c.app!.id, this.channel(c));
      return { status: 204 };
    });
    this.route('PUT', '/applications/:id/commands', (c) => this.setCommands(c));
    this.route('POST', '/interactions/:id/:token/callback', (c) => this.callback(c), false);
    this.route('PATCH', '/webhooks/:id/:token/messages/@original', (c) => this.editOriginal(c), false);
  }

  /** Answers one HTTP request under `/api/v10` (other paths: false). */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer): Promise<void> {
    const url = new URL(path, 'http://x');
    const method = req.method ?? 'GET';
    // Segments are matched decoded (the SDK sends `@original` as `%40original`, emoji percent-encoded).
    const pathname = url.pathname.split('/').map(decodeURIComponent).join('/');
    const found = this.routes.map((r) => ({ r, m: r.re.exec(pathname) })).find((x) => x.r.method === method && x.m);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers });
      res.end(body !== undefined ? JSON.stringify(body) : undefined);
    };
    if (!found) return send(404, { message: '404: Not Found', code: 0 });
    const { r, m } = found;
    const auth = req.headers.authorization;
    const app = auth?.startsWith('Bot ') ? this.world.appByToken(auth.slice(4)) : undefined;
    if (r.auth && !app) return send(401, { message: '401: Unauthorized', code: 0 });
    const params = m!.slice(1);
    const record: RequestRecord = { ...(app ? { appId: app.id } : {}), route: `${method} ${r.template}`, at: Date.now() };
    this.requests.push(record);

    const verdict = app ? this.limits.take(app.id, `${method} ${r.template}`, params[0] ?? '') : { headers: {} };
    if (verdict.refused) return this.tooMany(send, verdict.refused.retryAfter, verdict.refused.global, verdict.headers);
    const f = this.fault(`${method} ${r.template}`);
    if (f?.status === 429) return this.tooMany(send, f.retryAfter ?? 1, f.global ?? false, verdict.headers);
    if (f && !f.lostAnswer)
      return send(f.status ?? 500, { message: f.message ?? 'Internal Server Error', code: f.code ?? 0 }, verdict.headers);
    try {
      const call = await this.parse(req, raw, params, url.searchParams, app);
      record.body = call.body;
      const out = await r.handler(call);
      if (f?.lostAnswer) return void res.socket?.destroy();
      send(out.status, out.body, verdict.headers);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      send(err.status, { message: err.message, code: err.code, ...(err.errors ? { errors: err.errors } : {}) }, verdict.headers);
    }
  }

  /** The fault for this request, if one is due (counting down `skip` of the others on the route). */
  private fault(route: string): Fault | undefined {
    const i = this.faults.findIndex((f) => f.route === route);
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    if (f.skip) {
      f.skip--;
      return undefined;
    }
    return this.faults.splice(i, 1)[0];
  }

  private tooMany(
    send: (s: number, b: unknown, h: Record<string, string>) => void,
    retryAfter: number,
    global: boolean,
    headers: Record<string, string>,
  ): void {
    send(
      429,
      { message: 'You are being rate limited.', retry_after: Math.round(retryAfter * 1000) / 1000, global },
      { ...headers, 'Retry-After': String(Math.max(1, Math.ceil(retryAfter))), ...(global ? { 'X-RateLimit-Global': 'true' } : {}) },
    );
  }

  private route(method: string, template: string, handler: Handler, auth = true): void {
    const re = new RegExp(`^/api/v10${template.replace(/[@.]/g, '\\$&').replace(/:[a-z]+/g, '([^/]+)')}$`);
    this.routes.push({ method, template, re, auth, handler });
  }

  private async parse(req: IncomingMessage, raw: Buffer, params: string[], query: URLSearchParams, app?: AppRecord): Promise<Call> {
    const type = req.headers['content-type'] ?? '';
    const call: Call = { ...(app ? { app } : {}), params, body: {}, files: [], query };
    if (!raw.length) return call;
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
      for (const [field, value] of form.entries()) {
        if (field === 'payload_json') call.body = JSON.parse(String(value)) as Record<string, unknown>;
        else if (typeof value !== 'string')
          call.files.push({ field, name: value.name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) });
      }
      return call;
    }
    try {
      call.body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new ApiError(400, 50109, 'The request body contains invalid JSON.');
    }
    return call;
  }

  private channel(c: Call): ChannelRecord {
    const ch = this.world.channels.get(c.params[0]!);
    if (!ch) throw unknownChannel();
    if (!this.world.canAccess(c.app!, ch)) throw new ApiError(403, 50001, 'Missing Access');
    return ch;
  }

  private message(c: Call): MessageRecord {
    const ch = this.channel(c);
    const r = this.world.messages.get(c.params[1]!);
    if (!r || r.deleted || r.message.channel_id !== ch.id) throw unknownMessage();
    return r;
  }

  /** Content, components and the size of everything, as Discord checks a message body. */
  private checkContent(body: Record<string, unknown>): { content: string; components: ApiActionRow[] } {
    const content = body.content ?? '';
    if (typeof content !== 'string') throw formError('content', 'STRING_TYPE_CONVERT', 'Could not interpret value as string.');
    if ([...content].length > 2000) throw formError('content', 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
    const components = (body.components ?? []) as ApiActionRow[];
    if (!Array.isArray(components) || components.length > 5)
      throw formError('components', 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
    const ids = new Set<string>();
    for (const row of components) {
      if (row?.type !== 1 || !Array.isArray(row.components) || row.components.length < 1 || row.components.length > 5)
        throw formError('components', 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'An action row must have 1 to 5 components.');
      for (const b of row.components) {
        if (b?.type !== 2 || ![1, 2, 3, 4].includes(b.style)) throw formError('components', 'BUTTON_COMPONENT_INVALID', 'Invalid button.');
        if (typeof b.custom_id !== 'string' || !b.custom_id || b.custom_id.length > 100)
          throw formError('components', 'BASE_TYPE_BAD_LENGTH', 'custom_id must be 1 to 100 characters.');
        if (typeof b.label !== 'string' || b.label.length > 80)
          throw formError('components', 'BASE_TYPE_MAX_LENGTH', 'label must be 80 or fewer in length.');
        if (ids.has(b.custom_id))
          throw formError('components', 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
        ids.add(b.custom_id);
      }
    }
    return { content, components };
  }

  private createMessage(c: Call) {
    const ch = this.channel(c);
    const app = c.app!;
    const { nonce, enforce_nonce: enforce } = c.body;
    if (nonce !== undefined && !((typeof nonce === 'string' && nonce.length <= 25) || Number.isInteger(nonce)))
      throw formError('nonce', 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    const key = `${app.id} ${ch.id} ${String(nonce)}`;
    if (enforce === true && nonce !== undefined) {
      const seen = this.world.nonces.get(key);
      const r = seen && Date.now() - seen.at < this.options.nonceWindowMs ? this.world.messages.get(seen.messageId) : undefined;
      if (r) return { status: 200, body: this.world.view(r, app.id) };
    }
    const { content, components } = this.checkContent(c.body);
    const total = c.files.reduce((n, f) => n + f.bytes.length, 0);
    if (total > this.options.maxUploadBytes) throw new ApiError(413, 40005, 'Request entity too large');
    if (!content && !components.length && !c.files.length) throw new ApiError(400, 50006, 'Cannot send an empty message');
    const ref = c.body.message_reference as { message_id?: string } | undefined;
    if (ref?.message_id) {
      const target = this.world.messages.get(ref.message_id);
      if (!target || target.message.channel_id !== ch.id)
        throw formError('message_reference', 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
    }
    const files = new Map<string, Buffer>();
    const described = (c.body.attachments ?? []) as Array<{ id?: number | string; filename?: string }>;
    const attachments = c.files.map((f, i) => {
      const n = /^files\[(\d+)\]$/.exec(f.field)?.[1];
      if (n === undefined) throw formError(f.field, 'UNKNOWN_FIELD', 'Files must be named files[n].');
      const meta = described.find((a) => String(a.id) === n);
      const a = this.world.attachment(ch.id, meta?.filename ?? f.name ?? `file${i}`, f.bytes.length, f.type || undefined);
      files.set(a.id, f.bytes);
      return a;
    });
    const r = this.world.createMessage({
      channel: ch,
      author: app.botUserId,
      content,
      attachments,
      components,
      nonce: nonce as string | number | undefined,
      replyTo: ref?.message_id,
      appId: app.id,
      files,
    });
    if (nonce !== undefined && enforce === true) this.world.nonces.set(key, { messageId: r.message.id, at: Date.now() });
    this.events.created(r);
    return { status: 200, body: this.world.view(r, app.id) };
  }

  private editMessage(c: Call) {
    const r = this.message(c);
    if (r.appId !== c.app!.id) throw new ApiError(403, 50005, 'Cannot edit a message authored by another user');
    this.apply(r, c.body);
    return { status: 200, body: this.world.view(r, c.app!.id) };
  }

  /** Applies an edit body: content and components when given (others kept). */
  private apply(r: MessageRecord, body: Record<string, unknown>): void {
    const next = this.checkContent({ content: body.content ?? r.message.content, components: body.components ?? r.message.components });
    const m: ApiMessage = r.message;
    m.content = next.content;
    m.components = next.components;
    m.edited_timestamp = new Date().toISOString();
    r.edits++;
    this.events.updated(r);
  }

  private react(c: Call, add: boolean) {
    const r = this.message(c);
    const emoji = c.params[2]!;
    if (!isEmoji(emoji)) throw new ApiError(400, 10014, 'Unknown Emoji');
    const bot = c.app!.botUserId;
    let x = r.reactions.find((e) => e.emoji.name === emoji);
    if (add) {
      if (!x) r.reactions.push((x = { emoji: { id: null, name: emoji }, count: 0, me: false, users: [] }));
      if (!x.users.includes(bot)) {
        x.users.push(bot);
        this.events.reacted(r, bot, emoji, true);
      }
    } else if (x?.users.includes(bot)) {
      x.users = x.users.filter((u) => u !== bot);
      if (!x.users.length) r.reactions = r.reactions.filter((e) => e !== x);
      this.events.reacted(r, bot, emoji, false);
    }
    return { status: 204 };
  }

  /** Bulk overwrite of the app's global commands: CHAT_INPUT names 1-32 lowercase, descriptions 1-100, at most 100. */
  private setCommands(c: Call) {
    if (c.params[0] !== c.app!.id) throw new ApiError(403, 50001, 'Missing Access');
    const list = c.body as unknown;
    if (!Array.isArray(list) || list.length > 100) throw formError('_', 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
    const names = new Set<string>();
    list.forEach((x: { name?: unknown; description?: unknown }, i) => {
      if (typeof x?.name !== 'string' || !/^[-_\p{Ll}\p{N}]{1,32}$/u.test(x.name))
        throw formError(`${i}.name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
      if (typeof x.description !== 'string' || x.description.length < 1 || x.description.length > 100)
        throw formError(`${i}.description`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
      if (names.has(x.name))
        throw formError(`${i}.name`, 'APPLICATION_COMMANDS_DUPLICATE_NAME', 'Application command names must be unique');
      names.add(x.name);
    });
    const commands = list.map((x: Record<string, unknown>) => ({ ...x, id: snowflake(), application_id: c.app!.id, version: snowflake() }));
    this.world.commands.set(c.app!.id, commands as unknown as Array<{ id: string; name: string }>);
    return { status: 200, body: commands };
  }

  private callback(c: Call) {
    const [id, token] = c.params;
    const i = this.world.interactions.get(id!);
    if (!i || i.token !== token || Date.now() - i.createdAt > this.options.interactionDeadlineMs) {
      if (i && !i.answered) i.resolve({ acked: false, code: 10062 });
      throw new ApiError(404, 10062, 'Unknown interaction');
    }
    if (i.answered !== undefined) throw new ApiError(400, 40060, 'Interaction has already been acknowledged.');
    const type = c.body.type;
    const allowed = i.type === 3 ? [4, 5, 6, 7] : [4, 5];
    if (typeof type !== 'number' || !allowed.includes(type))
      throw formError('type', 'BASE_TYPE_CHOICES', `Value must be one of ${allowed.join(', ')}.`);
    const app = this.world.apps.get(i.appId)!;
    const data = (c.body.data ?? {}) as Record<string, unknown>;
    if (type === 7) this.apply(this.world.messages.get(i.messageId!)!, data);
    if (type === 4 || type === 5) {
      const { content, components } = type === 4 ? this.checkContent(data) : { content: '', components: [] };
      const r = this.world.createMessage({
        channel: this.world.channels.get(i.channelId)!,
        author: app.botUserId,
        content,
        components,
        // 128: LOADING, the "Bot is thinking..." of a deferred answer.
        flags: type === 5 ? 128 : 0,
        appId: app.id,
      });
      i.original = r.message.id;
      this.events.created(r);
    }
    i.answered = type;
    i.resolve({ acked: true, type });
    return { status: 204 };
  }

  private editOriginal(c: Call) {
    const [appId, token] = c.params;
    const i = [...this.world.interactions.values()].find((x) => x.token === token && x.appId === appId);
    if (!i || Date.now() - i.createdAt > 15 * 60_000) throw new ApiError(404, 10015, 'Unknown Webhook');
    const r = i.original ? this.world.messages.get(i.original) : undefined;
    if (!r || r.deleted) throw unknownMessage();
    r.message.flags &= ~128;
    this.apply(r, c.body);
    return { status: 200, body: this.world.view(r, appId) };
  }

  /** The fresh interaction id and token for a click or a command. */
  static interactionIds(): { id: string; token: string } {
    return { id: snowflake(), token: `aW50ZXJhY3Rpb246${snowflake()}${Math.random().toString(36).slice(2)}` };
  }
}

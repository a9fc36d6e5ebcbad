/**
 * TelegramEmulator: a local Telegram Bot API server (`/bot<token>/<method>` on 127.0.0.1, port 0) for
 * tests. Give a client `emu.url` as its API root. See README.md for what is and is not faithful.
 */
import { EventEmitter } from 'node:events';
import { randomInt } from 'node:crypto';
import { Faults } from './faults';
import { DOWNLOAD_LIMIT, FileStore, PHOTO_LIMIT } from './files';
import { Interactions } from './interactions';
import { userMessageFields, visibleToBot, type UserMessageInput } from './messages';
import { methods } from './methods';
import { UPLOAD_LIMIT, createServer, type RequestRecord } from './server';
import type { Chat, EmulatorConfig, FaultRule, Message, PollRecord, Records, SentRecord, Update, User } from './types';
import type { UpdateType } from './updates';
import { World, newUserId, type BotState } from './world';
import { LocalServer } from '../shared/http';

export * from './types';
export type { Media, UserMessageInput } from './messages';
export type { InlineKeyboard } from './keyboard';
export { REACTION_EMOJI } from './methods-interactive';
export type { RequestRecord } from './server';
export { parseHtml } from './markup-html';
export { parseMarkdownV2 } from './markup-markdown';
export { MarkupError } from './markup';

/** A registered bot, as a test needs it. */
export interface BotInfo {
  id: number;
  token: string;
  username: string;
  user: User;
}

export type BotRef = BotInfo | number;

const DEFAULTS: EmulatorConfig = {
  downloadLimit: DOWNLOAD_LIMIT,
  uploadLimit: UPLOAD_LIMIT,
  photoLimit: PHOTO_LIMIT,
  callbackTimeoutMs: 15_000,
  groupEdits: { limit: 20, windowMs: 60_000 },
  draftTtlMs: 30_000,
};

/**
 * Events (via `on`): 'sent' (SentRecord), 'poll' (PollRecord, when a getUpdates call arrives),
 * 'request' (RequestRecord; never the token).
 */
export class TelegramEmulator extends EventEmitter {
  /** Every message a bot sent (sendMessage, sendPhoto, sendDocument). */
  readonly sent: SentRecord[] = [];
  /** Every getUpdates call with how it ended. */
  readonly polls: PollRecord[] = [];
  /** Every HTTP request answered (method, status, duration; no token). */
  readonly requests: RequestRecord[] = [];
  /** Drafts, edits, deletes, clicks and their answers, chat actions, reactions set. */
  readonly records: Records = { drafts: [], edits: [], deletes: [], callbacks: [], chatActions: [], reactions: [] };
  /** Limits and deadlines in force (`configure` changes them). */
  readonly config: EmulatorConfig = structuredClone(DEFAULTS);
  /** What users do besides writing: click, react, add or remove the bot, send files. */
  readonly users: Interactions;
  private readonly world = new World();
  private readonly faults = new Faults();
  private readonly files = new FileStore();

  constructor() {
    super();
    this.users = new Interactions(this.world, this.files, this.records, (bot, type, payload) => this.push(bot, type, payload));
  }

  /** Changes limits and deadlines (a lower download limit, a shorter callback deadline...); `{}` restores none. */
  configure(config: Partial<EmulatorConfig>): void {
    Object.assign(this.config, config);
  }
  private readonly http = new LocalServer('TelegramEmulator');

  async start(): Promise<void> {
    const handlers = methods({
      world: this.world,
      files: this.files,
      config: this.config,
      records: this.records,
      onPoll: (r) => (this.polls.push(r), this.emit('poll', r)),
      onSent: (r) => (this.sent.push(r), this.emit('sent', r)),
    });
    const server = createServer({
      world: this.world,
      faults: this.faults,
      files: this.files,
      handlers,
      onRequest: (r) => (this.requests.push(r), this.emit('request', r)),
      uploadLimit: () => this.config.uploadLimit,
    });
    await this.http.start(server);
  }

  /** The API root to give a client, e.g. `http://127.0.0.1:41234` (methods at `/bot<token>/<method>`). */
  get url(): string {
    return this.http.url;
  }

  async stop(): Promise<void> {
    await this.http.stop();
  }

  /** Registers a bot; privacy mode is on by default, as for a new bot. */
  addBot(opts: { username?: string; firstName?: string; privacy?: boolean } = {}): BotInfo {
    return this.info(this.world.addBot(opts));
  }

  /** A Telegram user (not stored: users exist implicitly). */
  user(opts: { id?: number; firstName?: string; lastName?: string; username?: string; isBot?: boolean } = {}): User {
    return {
      id: opts.id ?? newUserId(),
      is_bot: opts.isBot ?? false,
      first_name: opts.firstName ?? 'Ann',
      ...(opts.lastName ? { last_name: opts.lastName } : {}),
      ...(opts.username ? { username: opts.username } : {}),
      language_code: 'en',
    };
  }

  /** The private chat between a user and the bot; `started` (default) means the user pressed Start. */
  privateChat(bot: BotRef, user: User, opts: { started?: boolean } = {}): Chat {
    const b = this.bot(bot);
    const chat: Chat = {
      id: user.id,
      type: 'private',
      first_name: user.first_name,
      ...(user.last_name ? { last_name: user.last_name } : {}),
      ...(user.username ? { username: user.username } : {}),
    };
    if (!b.chats.has(chat.id)) this.world.addChat(b, chat);
    if (opts.started ?? true) b.startedBy.add(user.id);
    return chat;
  }

  /** A group the bot is in: a basic group, a supergroup, or a supergroup with topics (`forum`). */
  group(bot: BotRef, opts: { id?: number; title?: string; type?: 'group' | 'supergroup'; forum?: boolean; username?: string } = {}): Chat {
    const type = opts.forum ? 'supergroup' : (opts.type ?? 'group');
    const id =
      opts.id ??
      (type === 'supergroup' ? -(1_000_000_000_000 + randomInt(1_000_000_000, 2_000_000_000)) : -randomInt(4_000_000_000, 5_000_000_000));
    const chat: Chat = {
      id,
      type,
      title: opts.title ?? 'Team',
      ...(opts.username ? { username: opts.username } : {}),
      ...(opts.forum ? { is_forum: true as const } : {}),
    };
    this.world.addChat(this.bot(bot), chat);
    return chat;
  }

  /** Opens a forum topic: its service message (an update like any message) is the thread's root. */
  createTopic(bot: BotRef, chat: Chat | number, name: string, by: User): { threadId: number; message: Message; update?: Update } {
    const b = this.bot(bot);
    const c = this.world.chat(b, typeof chat === 'number' ? chat : chat.id);
    if (!c.chat.is_forum) throw new Error('TelegramEmulator: topics need a group made with { forum: true }');
    const message = this.world.addMessage(c, { from: by, forum_topic_created: { name, icon_color: 7322096 } });
    message.message_thread_id = message.message_id;
    message.is_topic_message = true;
    c.topics.set(message.message_id, name);
    return { threadId: message.message_id, message, ...this.deliver(b, 'message', message) };
  }

  /**
   * A user sends a message. `update` is absent when the bot does not get it (privacy mode, allowed_updates).
   * With `file`, the media carries those bytes: `getFile` and the download serve them.
   */
  userMessage(bot: BotRef, input: UserMessageInput): { message: Message; update?: Update } {
    const b = this.bot(bot);
    const chat = this.world.chat(b, typeof input.chat === 'number' ? input.chat : input.chat.id);
    const fields = userMessageFields(chat, input);
    if (input.file) this.users.attach(b, fields, input.file);
    const message = this.world.addMessage(chat, fields as never);
    return { message, ...this.deliver(b, 'message', message) };
  }

  /** A message of a chat as it is now (undefined once deleted), with its keyboard and reactions. */
  message(bot: BotRef, chat: Chat | number, messageId: number): Message | undefined {
    const m = this.world.chat(this.bot(bot), typeof chat === 'number' ? chat : chat.id).messages.get(messageId);
    return m && !m.deleted ? m : undefined;
  }

  /** The labels of the inline keyboard under a message, row by row flattened. */
  buttons(bot: BotRef, chat: Chat | number, messageId: number): Array<{ text: string; data?: string }> {
    const m = this.message(bot, chat, messageId);
    return (m?.reply_markup?.inline_keyboard ?? [])
      .flat()
      .map((b) => ({ text: b.text, ...(b.callback_data ? { data: b.callback_data } : {}) }));
  }

  /** The bot's reaction on a message (emoji), if any. */
  botReaction(bot: BotRef, chat: Chat | number, messageId: number): string[] {
    const b = this.bot(bot);
    const on = this.world.chat(b, typeof chat === 'number' ? chat : chat.id).reactions.get(messageId);
    return (on?.get(b.user.id) ?? []).map((r) => r.emoji ?? r.custom_emoji_id ?? r.type);
  }

  /** The draft shown in a private chat now, if any (it expires after `draftTtlMs` without a frame). */
  draft(bot: BotRef, chat: Chat | number): { draftId: number; text: string } | undefined {
    const d = this.world.chat(this.bot(bot), typeof chat === 'number' ? chat : chat.id).draft;
    return d && d.until > Date.now() ? { draftId: d.draftId, text: d.text } : undefined;
  }

  /** Makes a message older (to test the 48-hour delete window). */
  ageMessage(bot: BotRef, chat: Chat | number, messageId: number, hours: number): void {
    const c = this.world.chat(this.bot(bot), typeof chat === 'number' ? chat : chat.id);
    const m = c.messages.get(messageId);
    if (!m) throw new Error(`TelegramEmulator: no message ${messageId} in chat ${c.chat.id}`);
    c.messages.set(messageId, { ...m, date: m.date - Math.round(hours * 3600) });
  }

  /** The bytes of a file the bot sent (its file id). */
  fileBytes(bot: BotRef, fileId: string): Buffer | undefined {
    return this.files.get(this.bot(bot).user.id, fileId)?.data;
  }

  /** A user edits their text message: an `edited_message` update (if asked for). */
  editMessage(bot: BotRef, chat: Chat | number, messageId: number, text: string): { message: Message; update?: Update } {
    const b = this.bot(bot);
    const c = this.world.chat(b, typeof chat === 'number' ? chat : chat.id);
    const original = c.messages.get(messageId);
    if (!original) throw new Error(`TelegramEmulator: no message ${messageId} in chat ${c.chat.id}`);
    const message: Message = { ...original, text, edit_date: Math.max(original.date + 1, Math.floor(Date.now() / 1000)) };
    delete message.entities;
    c.messages.set(messageId, message);
    return { message, ...this.deliver(b, 'edited_message', message) };
  }

  /** A message the bot sent earlier (without going through the API), e.g. to reply to. */
  botMessage(bot: BotRef, chat: Chat | number, text: string, opts: { threadId?: number } = {}): Message {
    const b = this.bot(bot);
    const c = this.world.chat(b, typeof chat === 'number' ? chat : chat.id);
    return this.world.addMessage(c, {
      from: b.user,
      text,
      ...(opts.threadId !== undefined ? { message_thread_id: opts.threadId, is_topic_message: true } : {}),
    });
  }

  /** The user blocks the bot: sends to them get 403 "Forbidden: bot was blocked by the user". */
  blockBot(bot: BotRef, user: User | number): void {
    this.bot(bot).blockedBy.add(typeof user === 'number' ? user : user.id);
  }

  /** The bot is removed from a group: sends get 403 "Forbidden: bot was kicked from the group chat". */
  kickBot(bot: BotRef, chat: Chat | number): void {
    const b = this.bot(bot);
    this.world.chat(b, typeof chat === 'number' ? chat : chat.id).kicked = true;
  }

  /** A basic group becomes a supergroup: sends to the old id get 400 with `migrate_to_chat_id`. */
  migrateChat(bot: BotRef, chat: Chat | number): Chat {
    const b = this.bot(bot);
    const old = this.world.chat(b, typeof chat === 'number' ? chat : chat.id);
    const next = this.group(b.user.id, { title: old.chat.title ?? 'Team', type: 'supergroup' });
    old.migratedTo = next.id;
    return next;
  }

  /** Revokes the token (as /revoke in @BotFather does): every call answers 401 Unauthorized. */
  revokeToken(bot: BotRef): void {
    this.bot(bot).revoked = true;
  }

  /** Sets a webhook as setWebhook would (long polling then answers 409). */
  setWebhook(bot: BotRef, url: string): void {
    this.bot(bot).webhook = { url, maxConnections: 40 };
  }

  webhookUrl(bot: BotRef): string {
    return this.bot(bot).webhook?.url ?? '';
  }

  /** Fails the next calls of a method: an error answer, a dropped connection, or a proxy's HTML page. */
  failNext(rule: FaultRule): void {
    this.faults.add(rule);
  }

  /** Delays every answer of a method ('*': all) by `ms` before it is processed. */
  setLatency(method: string, ms: number): void {
    this.faults.setLatency(method, ms);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Closes the connection of the bot's held getUpdates call without answering; true if there was one. */
  dropHeldPoll(bot: BotRef): boolean {
    return this.bot(bot).queue.dropHeld();
  }

  /** The getUpdates call being held for the bot, if any. */
  heldPoll(bot: BotRef): PollRecord | undefined {
    return this.bot(bot).queue.holding;
  }

  /** Resolves when a getUpdates call of the bot is being held (a long poll is waiting). */
  async waitForPoll(bot: BotRef, timeoutMs = 5000): Promise<PollRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const held = this.heldPoll(bot);
      if (held) return held;
      if (Date.now() > deadline)
        throw new Error(`TelegramEmulator: no getUpdates held for bot ${this.bot(bot).user.id} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The same message (or event) once more, in a new update: what a client sees when it reads twice. */
  redeliver(bot: BotRef, update: Update): Update | undefined {
    const type = (Object.keys(update) as Array<keyof Update>).find((k) => k !== 'update_id') as UpdateType;
    return this.bot(bot).queue.push(type, update[type] as Record<string, unknown>);
  }

  /** Whether the chat exists for the bot. */
  hasChat(bot: BotRef, chatId: number): boolean {
    return this.bot(bot).chats.has(chatId);
  }

  /** Updates not yet confirmed by an offset. */
  pendingUpdates(bot: BotRef): Update[] {
    return this.bot(bot).queue.pending();
  }

  /** How many getUpdates answers carried this update. */
  deliveries(bot: BotRef, updateId: number): number {
    return this.bot(bot).queue.delivered.get(updateId) ?? 0;
  }

  /** Resolves once at least `n` messages were sent. */
  async waitForSent(n: number, timeoutMs = 5000): Promise<SentRecord[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.sent.length < n) {
      if (Date.now() > deadline) throw new Error(`TelegramEmulator: expected ${n} sent messages, got ${this.sent.length}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.sent;
  }

  /** Calls a method as a client would (JSON body); answers `{ status, body }`. */
  async call(
    token: string,
    method: string,
    params: Record<string, unknown> = {},
    signal?: AbortSignal,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${this.url}/bot${token}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
      ...(signal ? { signal } : {}),
    });
    const text = await res.text();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { raw: text };
    }
    return { status: res.status, body };
  }

  private bot(ref: BotRef): BotState {
    return this.world.bot(typeof ref === 'number' ? ref : ref.id);
  }

  private info(b: BotState): BotInfo {
    return { id: b.user.id, token: b.token, username: b.user.username!, user: b.user };
  }

  private deliver(bot: BotState, type: 'message' | 'edited_message', message: Message): { update?: Update } {
    if (!visibleToBot(bot, message)) return {};
    return this.push(bot, type, message);
  }

  private push(bot: BotState, type: UpdateType, payload: Message | Record<string, unknown>): { update?: Update } {
    const update = bot.queue.push(type, payload);
    return update ? { update } : {};
  }
}

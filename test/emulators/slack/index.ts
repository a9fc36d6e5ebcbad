/**
 * SlackEmulator: a local Slack speaking the Web API and Socket Mode to the real `@slack/web-api`
 * `WebClient` and `@slack/socket-mode` `SocketModeClient` (give both `slackApiUrl: emu.apiUrl`). See README.md.
 */
import type { Hooks } from './api-common';
import { EmulatorCore } from './core';
import type { Outgoing } from './delivery';
import {
  appHomeOpenedEvent,
  appMentionEvent,
  deleteEvent,
  editEvent,
  eventCallback,
  leftEvent,
  memberEvent,
  messageEvent,
  reactionEvent,
  type EventCallback,
  type SlackEvent,
} from './events';
import { blockActions, buttonsOf, slashCommand, type ButtonInfo } from './interactions';
import { flag } from './methods';
import { mimeOf } from './methods-files';
import type {
  AppInfo,
  AppOptions,
  AssistantStatus,
  ChannelOptions,
  DeliveryOutcome,
  PostInput,
  PostedMessage,
  PushOptions,
  UserOptions,
} from './types';
import { slackId, type App, type StoredFile, type StoredMessage } from './workspace';

export * from './types';
export type { EventCallback, SlackEvent } from './events';
export type { ButtonInfo } from './interactions';
export type { StoredFile, StoredMessage } from './workspace';

/** What `click`, `command` and the other interactions resolve with. */
export interface Sent {
  /** What identifies it across redeliveries (trigger_id or event_id). */
  key: string;
  payload: Record<string, unknown>;
  outcome: Promise<DeliveryOutcome>;
}

/**
 * The emulator. Events (via `on`): 'request' (RequestRecord), 'fileRequest' (FileRecord), 'posted'
 * (PostedMessage), 'delivery' and 'ack' (DeliveryRecord), 'outcome' (DeliveryOutcome), 'connection' /
 * 'close' ({appId, id}), 'protocolError', 'status' (AssistantStatus).
 */
export class SlackEmulator extends EmulatorCore {
  /** Every message the bots posted (streams and file shares included), in order. */
  readonly posted: PostedMessage[] = [];
  /** Every assistant.threads.setStatus call. */
  readonly statuses: AssistantStatus[] = [];

  protected hooks(): Omit<Hooks, 'issueTicket' | 'uploadUrl'> {
    return {
      onPosted: (app, m, args, threadTs, via) => this.onPosted(app, m, args, threadTs, via),
      onChanged: (_app, m, previous) => this.echo(m.channel, () => editEvent(this.ws, m, previous)),
      onDeleted: (_app, m) => this.echo(m.channel, () => deleteEvent(this.ws, m)),
      onReaction: (app, m, name, added) => this.echo(m.channel, () => reactionEvent(this.ws, m, app.botUserId, name, added)),
      onStatus: (s) => {
        this.statuses.push(s);
        this.emit('status', s);
      },
    };
  }

  // Workspace ------------------------------------------------------------------------------------

  /** Register an app installed in the workspace: its bot user, bot token (xoxb-) and app-level token (xapp-). */
  addApp(o: AppOptions = {}): AppInfo {
    const { scopes: _s, appScopes: _a, verificationToken: _v, assistant: _as, ...info } = this.ws.addApp(o);
    return info;
  }

  /** A person in the workspace (given the id of one already there, replaces it). */
  addUser(o: UserOptions): { id: string; name: string } {
    const u = this.ws.addUser(o);
    return { id: u.id, name: u.name };
  }

  /** A conversation (public channel by default) with these members (bot user ids included). */
  addChannel(o: ChannelOptions): { id: string } {
    return { id: this.ws.addChannel(o).id };
  }

  /** The DM channel (D...) between a user and an app's bot. */
  dm(appId: string, userId: string): string {
    return this.ws.im(this.ws.requireApp(appId).botUserId, userId).id;
  }

  hasConversation(id: string): boolean {
    return this.ws.conversations.has(id);
  }

  /** Adds a member without any event (setting up); `memberJoined` is the event. */
  addMember(channel: string, userId: string): void {
    this.conv(channel).members.add(userId);
  }

  archiveChannel(id: string): void {
    this.conv(id).archived = true;
  }

  /** The token stops working: every call with it answers `token_revoked`. */
  revokeToken(token: string): void {
    this.ws.revoked.add(token);
  }

  /** A stored message as it is now (edits, stream state, reactions, blocks), for assertions. */
  message(channel: string, ts: string): StoredMessage | undefined {
    return this.ws.message(channel, ts);
  }

  /** A file of the workspace (its bytes, shares), for assertions. */
  file(id: string): StoredFile | undefined {
    return this.ws.files.get(id);
  }

  /** The buttons on a message now. */
  buttons(channel: string, ts: string): ButtonInfo[] {
    return buttonsOf(this.requireMessage(channel, ts));
  }

  /** The assistant status shown in a thread now ('' when cleared by a reply or an empty status). */
  statusOf(channel: string, threadTs: string): string {
    return this.statuses.filter((s) => s.channel === channel && s.threadTs === threadTs).at(-1)?.status ?? '';
  }

  // Events ---------------------------------------------------------------------------------------

  /** Deliver an event to an app (wrapped in an event_callback); resolves when acked or out of retries. */
  pushEvent(appId: string, event: SlackEvent, opts: PushOptions = {}): Promise<DeliveryOutcome> {
    const app = this.ws.requireApp(appId);
    return this.sendEvent(app, eventCallback(this.ws, app, event), opts).outcome;
  }

  /**
   * A person posts a message. It is stored (a reply joins its thread; files with their bytes are shared
   * with it), and each app whose bot is in the conversation gets a `message` event, plus an `app_mention`
   * event when the text mentions its bot (outside DMs), as Slack sends both. Resolves the ts at once;
   * `deliveries` when every event ended.
   */
  post(input: PostInput): { ts: string; eventIds: string[]; deliveries: Promise<DeliveryOutcome[]> } {
    const conv = this.conv(input.channel);
    if (!conv.members.has(input.user)) throw new Error(`SlackEmulator: ${input.user} is not in ${input.channel}`);
    if (input.threadTs && !this.ws.message(conv.id, input.threadTs))
      throw new Error(`SlackEmulator: no message ${input.threadTs} in ${input.channel}`);
    const files = input.files?.map((f) => this.storeFile(f.id ?? slackId('F'), f.name, f.mimetype, input.user, f.bytes));
    const subtype = files?.length ? 'file_share' : input.broadcast ? 'thread_broadcast' : undefined;
    const m = this.ws.store({
      channel: conv.id,
      user: input.user,
      text: input.text ?? '',
      ...(files ? { files: files.map((f) => f.id) } : {}),
      ...(input.threadTs ? { threadTs: input.threadTs } : {}),
      ...(subtype ? { subtype } : {}),
    });
    return { ts: m.ts, ...this.fanOut(m, true) };
  }

  /** A user edits a message: `message_changed` to the apps in the conversation. */
  edit(channel: string, ts: string, text: string): Promise<DeliveryOutcome[]> {
    const m = this.requireMessage(channel, ts);
    const previous = m.text;
    m.text = text;
    return this.toMembers(channel, () => editEvent(this.ws, m, previous)).deliveries;
  }

  /** Someone deletes a message (a person their own, or an admin any): `message_deleted`. */
  remove(channel: string, ts: string): Promise<DeliveryOutcome[]> {
    const m = this.requireMessage(channel, ts);
    this.ws.messages.delete(`${channel}/${ts}`);
    return this.toMembers(channel, () => deleteEvent(this.ws, m)).deliveries;
  }

  /** A user joins a channel: a `channel_join` message. */
  join(channel: string, userId: string): Promise<DeliveryOutcome[]> {
    this.conv(channel).members.add(userId);
    const m = this.ws.store({ channel, user: userId, text: `<@${userId}> has joined the channel`, subtype: 'channel_join' });
    return this.fanOut(m, false).deliveries;
  }

  /** A person adds (or removes) a reaction: `reaction_added` / `reaction_removed` to the apps in the conversation. */
  react(input: { channel: string; ts: string; user: string; name: string; remove?: boolean }): Promise<DeliveryOutcome[]> {
    const m = this.requireMessage(input.channel, input.ts);
    const users = m.reactions.get(input.name) ?? [];
    const next = input.remove ? users.filter((u) => u !== input.user) : [...new Set([...users, input.user])];
    if (next.length) m.reactions.set(input.name, next);
    else m.reactions.delete(input.name);
    return this.toMembers(input.channel, () => reactionEvent(this.ws, m, input.user, input.name, !input.remove)).deliveries;
  }

  /**
   * A member (a person, or an app's bot) joins a channel: `member_joined_channel` to the apps in it,
   * the joining bot's included, with `inviter` when someone added them.
   */
  memberJoined(channel: string, user: string, inviter?: string): Promise<DeliveryOutcome[]> {
    const conv = this.conv(channel);
    conv.members.add(user);
    return this.toMembers(channel, () => memberEvent(this.ws, conv, user, true, inviter)).deliveries;
  }

  /**
   * A member leaves (or `actor` removes them): `member_left_channel` to the apps in the channel; an app
   * whose bot leaves gets `channel_left` (`group_left` in a private channel) with `actor_id` instead.
   */
  memberLeft(channel: string, user: string, actor?: string): Promise<DeliveryOutcome[]> {
    const conv = this.conv(channel);
    const apps = [...this.ws.apps.values()].filter((app) => conv.members.has(app.botUserId));
    const sent = apps.map((app) =>
      this.sendEvent(
        app,
        eventCallback(this.ws, app, app.botUserId === user ? leftEvent(this.ws, conv, actor) : memberEvent(this.ws, conv, user, false)),
        {},
      ),
    );
    conv.members.delete(user);
    return Promise.all(sent.map((x) => x.outcome));
  }

  /** A user opens the app's Home or Messages tab: `app_home_opened` with their DM. */
  openHome(appId: string, user: string, tab: 'home' | 'messages' = 'messages'): Promise<DeliveryOutcome> {
    const app = this.ws.requireApp(appId);
    const dm = this.dm(appId, user);
    return this.sendEvent(app, eventCallback(this.ws, app, appHomeOpenedEvent(this.ws, user, dm, tab)), {}).outcome;
  }

  /**
   * A person clicks the button `label` (or the one with `actionId`) of a bot message: a `block_actions`
   * payload in an `interactive` envelope to the app that posted it, retried until acked.
   */
  click(input: { channel: string; ts: string; user: string; label?: string; actionId?: string }): Sent {
    const m = this.requireMessage(input.channel, input.ts);
    const app = m.appId ? this.ws.apps.get(m.appId) : undefined;
    if (!app) throw new Error(`SlackEmulator: message ${input.ts} in ${input.channel} is not an app's`);
    const user = this.ws.users.get(input.user);
    if (!user) throw new Error(`SlackEmulator: unknown user ${input.user}`);
    const button = buttonsOf(m).find((b) => (input.actionId !== undefined ? b.actionId === input.actionId : b.label === input.label));
    if (!button)
      throw new Error(`SlackEmulator: no button ${input.label ?? input.actionId} on ${input.ts}: ${JSON.stringify(buttonsOf(m))}`);
    return this.pushInteractive(app.appId, blockActions(this.ws, app, m, user, button));
  }

  /** Sends any interactivity payload (a forged or replayed click, say) in an `interactive` envelope. */
  pushInteractive(appId: string, payload: Record<string, unknown>, opts: PushOptions = {}): Sent {
    const key = String(payload.trigger_id ?? slackId('I'));
    const out: Outgoing = { type: 'interactive', payload, key, eventType: String(payload.type) };
    return { key, payload, outcome: this.send(appId, out, opts) };
  }

  /** A person types a slash command registered by the app: a `slash_commands` envelope. */
  command(input: { appId: string; channel: string; user: string; command: string; text?: string }): Sent {
    const app = this.ws.requireApp(input.appId);
    const user = this.ws.users.get(input.user);
    if (!user) throw new Error(`SlackEmulator: unknown user ${input.user}`);
    const payload = slashCommand(this.ws, app, input.channel, user, input.command, input.text ?? '');
    const key = String(payload.trigger_id);
    const out: Outgoing = { type: 'slash_commands', payload, key, eventType: input.command, acceptsResponsePayload: true };
    return { key, payload, outcome: this.send(app.appId, out) };
  }

  /** Resolves with the next posted message matching `pred`. */
  waitForPost(pred: (m: PostedMessage) => boolean = () => true, timeoutMs = 5000): Promise<PostedMessage> {
    const found = this.posted.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.off('posted', on);
        reject(new Error(`SlackEmulator: no matching post within ${timeoutMs} ms (posted: ${this.posted.length})`));
      }, timeoutMs);
      const on = (m: PostedMessage) => {
        if (!pred(m)) return;
        clearTimeout(t);
        this.off('posted', on);
        resolve(m);
      };
      this.on('posted', on);
    });
  }

  // ----------------------------------------------------------------------------------------------

  private storeFile(id: string, name: string, mimetype: string, user: string, bytes?: Buffer): StoredFile {
    const f: StoredFile = {
      id,
      name,
      title: name,
      mimetype: mimetype || mimeOf(name),
      user,
      created: Math.floor(Date.now() / 1000),
      bytes: bytes ?? Buffer.from(`bytes of ${name}`),
      shares: new Map(),
    };
    this.ws.files.set(id, f);
    return f;
  }

  private fanOut(m: StoredMessage, mentions: boolean): { eventIds: string[]; deliveries: Promise<DeliveryOutcome[]> } {
    const a = this.toMembers(m.channel, () => messageEvent(this.ws, m));
    const conv = this.conv(m.channel);
    if (!mentions || conv.kind === 'im') return a;
    const mentioned = [...this.ws.apps.values()].filter(
      (app) => app.botUserId !== m.user && conv.members.has(app.botUserId) && m.text.includes(`<@${app.botUserId}>`),
    );
    const b = mentioned.map((app) => this.sendEvent(app, eventCallback(this.ws, app, appMentionEvent(this.ws, m)), {}));
    return {
      eventIds: [...a.eventIds, ...b.map((x) => x.eventId)],
      deliveries: Promise.all([a.deliveries, ...b.map((x) => x.outcome)]).then(([first, ...rest]) => [...first!, ...rest]),
    };
  }

  private toMembers(channel: string, build: () => SlackEvent): { eventIds: string[]; deliveries: Promise<DeliveryOutcome[]> } {
    const conv = this.conv(channel);
    const apps = [...this.ws.apps.values()].filter((app) => conv.members.has(app.botUserId));
    const sent = apps.map((app) => this.sendEvent(app, eventCallback(this.ws, app, build()), {}));
    return { eventIds: sent.map((s) => s.eventId), deliveries: Promise.all(sent.map((s) => s.outcome)) };
  }

  /** Sends the bot's own activity back to subscribed apps, as Slack does (`echoBotMessages`). */
  private echo(channel: string, build: () => SlackEvent): void {
    if (this.options.echoBotMessages ?? true) setImmediate(() => void this.toMembers(channel, build));
  }

  private sendEvent(app: App, payload: EventCallback, opts: PushOptions): { eventId: string; outcome: Promise<DeliveryOutcome> } {
    const ts = payload.event.ts;
    const out: Outgoing = {
      type: 'events_api',
      payload,
      key: payload.event_id,
      eventType: payload.event.type,
      ...(typeof ts === 'string' ? { eventTs: ts } : {}),
    };
    return { eventId: payload.event_id, outcome: this.send(app.appId, out, opts) };
  }

  private onPosted(
    app: App,
    m: StoredMessage,
    args: Record<string, unknown>,
    threadTs: string | undefined,
    via: PostedMessage['via'],
  ): void {
    const record: PostedMessage = {
      via,
      appId: app.appId,
      channel: m.channel,
      ts: m.ts,
      text: m.text,
      mrkdwn: flag(args.mrkdwn, true),
      args,
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(threadTs ? { threadTs } : {}),
      ...(m.threadTs ? { threadRoot: m.threadTs } : {}),
    };
    this.posted.push(record);
    this.emit('posted', record);
    // A reply of the app in an assistant thread clears the status it set there.
    const thread = m.threadTs ?? m.ts;
    if (this.statusOf(m.channel, thread))
      this.statuses.push({ appId: app.appId, channel: m.channel, threadTs: thread, status: '', at: Date.now() });
    this.echo(m.channel, () => messageEvent(this.ws, m));
  }

  private conv(id: string) {
    const c = this.ws.conversations.get(id);
    if (!c) throw new Error(`SlackEmulator: unknown conversation ${id}`);
    return c;
  }

  private requireMessage(channel: string, ts: string): StoredMessage {
    const m = this.ws.message(channel, ts);
    if (!m) throw new Error(`SlackEmulator: no message ${ts} in ${channel}`);
    return m;
  }
}

import { BoundedMap, Context, DeliveryError, InstanceHttp, Options, SendProgress, StartError, inject, injectable } from '../../core/plugin';
import type * as plugin from '../../core/plugin';
import { SlackApi, SlackCallError, type BotIdentity } from './api';
import { withButtons } from './blocks';
import { SocketConnection, type Incoming, type SlackEvent } from './connection';
import { explainStartError } from './errors';
import { messageIdOf, namesNeeded, skipReason, toDraft, type MessageEvent } from './inbound';
import { eventDraft, type EventContext } from './inbound-events';
import { actionDrafts, commandDraft } from './inbound-interactive';
import { Media } from './media';
import { UserNames } from './memo';
import { Messages } from './messages';
import type { SlackOptions } from './options';
import { addressOf, renderPieces, type Address } from './outbound';
import { react } from './reactions';
import { Streams, type StreamPlace } from './stream';
import { Threads } from './threads';
import { Typing } from './typing';

/** How long a received event waits for user names before it is published with ids instead (Slack wants an ack within 3 s). */
const NAME_WAIT_MS = 1500;

/**
 * One Slack app in Socket Mode. Start: `auth.test` proves the bot token and gives the bot's user id,
 * then the Socket Mode connection opens with the app-level token. Every envelope (a message or other
 * event, a click, a slash command) is published to core before it is acknowledged, so Slack
 * redelivers whatever was not stored.
 *
 * Out: messages with `chat.postMessage` (buttons as Block Kit), streams with Slack's stream methods,
 * edits with `chat.update`, deletes with `chat.delete`, reactions, typing, files with the external
 * upload flow. Slack has no idempotency key for `chat.postMessage`: core's outbox keeps an envelope id
 * from being delivered twice, and the pieces of a split message already posted are remembered
 * (`SendProgress`, in NATS), so a retry after a failure in the middle, on any replica, posts only the rest.
 */
@injectable()
export class SlackAdapter implements plugin.ChannelAdapter {
  private readonly http = new InstanceHttp();
  private readonly api: SlackApi;
  private readonly names: UserNames;
  private readonly threads: Threads;
  private readonly streams: Streams;
  private readonly messages: Messages;
  private readonly indicator: Typing;
  private readonly media: Media;
  private connection?: SocketConnection;
  private bot: BotIdentity = { userId: '', botId: '', teamId: '', team: '' };
  /** DM channel of each user written to by user id. */
  private readonly dms = new BoundedMap<string, string>(5_000);
  /** Message ids already posted for an envelope whose delivery failed part-way. */
  private readonly progress: SendProgress<string[]>;
  private readonly events: EventContext;

  constructor(
    @inject(Context) private readonly ctx: plugin.PluginContext,
    @inject(Options) private readonly options: SlackOptions,
  ) {
    this.api = new SlackApi(options, ctx.logger, this.http.fetch);
    this.names = new UserNames((id) => this.api.userName(id));
    this.threads = new Threads(this.api, ctx.logger);
    this.streams = new Streams(this.api, ctx.store, ctx.logger, options.streamPaceMs);
    this.messages = new Messages(this.api, this.streams);
    this.indicator = new Typing(this.api, ctx.store, this.threads, options, ctx.logger);
    this.media = new Media(this.api, this.http.fetch, options.botToken, options.apiUrl, ctx.logger);
    this.progress = new SendProgress(ctx.store, ctx.logger);
    this.events = { botUserId: '', name: (user) => this.names.name(user, NAME_WAIT_MS) };
  }

  async start(): Promise<void> {
    try {
      this.bot = await this.api.authTest();
    } catch (err) {
      if (err instanceof SlackCallError)
        throw new StartError(explainStartError(err.failure, 'botToken', this.options.apiUrl), undefined, { cause: err });
      throw err;
    }
    this.events.botUserId = this.bot.userId;
    this.ctx.logger.info(
      { botUserId: this.bot.userId, botId: this.bot.botId, team: this.bot.team, teamId: this.bot.teamId },
      'Slack bot identified',
    );
    this.connection = new SocketConnection(this.options, this.ctx, this.ctx.logger, this.http.fetch);
    await this.connection.open((incoming) => this.onEnvelope(incoming));
  }

  async stop(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
    this.indicator.close();
    this.http.close();
  }

  async send(env: plugin.OutboundEnvelope, info: plugin.SendInfo): Promise<plugin.SendResult> {
    const address = addressOf(env);
    const channel = address.channel ?? (await this.dmWith(address.user!));
    await this.indicator.clear(channel);
    if (env.stream) return this.openStream(env, info, channel, address);
    const thread = await this.threads.threadFor(channel, address.replyTs, this.options.replyInThread);
    return { messageIds: await this.post(env, info, channel, thread) };
  }

  edit(env: plugin.OutboundEnvelope, target: plugin.SentMessage, info: plugin.SendInfo): Promise<plugin.EditResult> {
    return this.messages.edit(env, target, info);
  }

  delete(target: plugin.SentMessage): Promise<void> {
    return this.messages.delete(target);
  }

  react(reaction: plugin.ReactionRequest): Promise<void> {
    return react(this.api, reaction);
  }

  async typing(target: { conversation?: string; replyTo?: string }): Promise<void> {
    const address = addressOf({
      id: 'typing',
      ...(target.conversation ? { conversation: { id: target.conversation } } : {}),
      ...(target.replyTo ? { replyTo: target.replyTo } : {}),
    });
    const channel = address.channel ?? (await this.dmWith(address.user!));
    await this.indicator.show(channel, address.replyTs ? messageIdOf(channel, address.replyTs) : undefined);
  }

  fetchMedia(request: plugin.MediaRequest, info: { signal: AbortSignal }): Promise<plugin.MediaDownload> {
    return this.media.download(request, info.signal);
  }

  /** A stream in the thread of the message answered, to its author; no thread: a message edited in place. */
  private async openStream(
    env: plugin.OutboundEnvelope,
    info: plugin.SendInfo,
    channel: string,
    address: Address,
  ): Promise<plugin.SendResult> {
    const place: StreamPlace = { channel };
    if (address.replyTs) {
      const origin = await this.threads.of(channel, address.replyTs);
      if (this.options.replyInThread || origin.root !== address.replyTs) place.thread = origin.root;
      if (origin.user && !channel.startsWith('D')) place.recipient = { user: origin.user, team: origin.team ?? this.bot.teamId };
    }
    const handle = await this.streams.open(env, place, info);
    return { messageIds: [messageIdOf(handle.channel, handle.ts)], handle };
  }

  /**
   * The text as one or more messages (buttons under the last), then the attachments in one message.
   * A short text without buttons goes with the files as their comment.
   */
  private async post(env: plugin.OutboundEnvelope, info: plugin.SendInfo, channel: string, thread: string | undefined): Promise<string[]> {
    const files = info.attachments;
    const text = !files.length || env.native || (env.text ?? '').trim() ? renderPieces(env) : [];
    const comment = files.length && text.length === 1 && !info.actions.length && !env.native ? text[0]!.text : undefined;
    const pieces = comment !== undefined ? [] : text;
    const steps = pieces.length + (files.length ? 1 : 0);
    const done = (steps > 1 ? await this.progress.load(env.id) : undefined) ?? [];
    try {
      for (let i = done.length; i < pieces.length; i++) {
        info.signal.throwIfAborted();
        const piece = i === pieces.length - 1 ? withButtons(pieces[i]!, info.actions) : pieces[i]!;
        const posted = await this.api.postMessage({ channel, ...piece, ...(thread ? { thread_ts: thread } : {}) });
        done.push(messageIdOf(posted.channel, posted.ts));
        if (done.length < steps) await this.progress.save(env.id, done);
      }
      if (files.length) done.push(...(await this.media.upload(files, { channel, ...(thread ? { thread } : {}) }, comment)));
    } catch (err) {
      if (err instanceof DeliveryError && !err.retryable) await this.progress.clear(env.id);
      throw err;
    }
    await this.progress.clear(env.id);
    return done;
  }

  private async dmWith(user: string): Promise<string> {
    let channel = this.dms.get(user);
    if (!channel) {
      channel = await this.api.openDm(user);
      this.dms.set(user, channel);
    }
    return channel;
  }

  private async onEnvelope(incoming: Incoming): Promise<void> {
    const body = incoming.body;
    if (incoming.type === 'events_api') return this.onEvent((body.event ?? {}) as SlackEvent, String(body.event_id ?? ''));
    const drafts = incoming.type === 'interactive' ? await actionDrafts(body, this.events) : [await commandDraft(body, this.events)];
    if (typeof drafts === 'string') return this.ctx.logger.debug({ type: incoming.type }, `Slack interaction skipped: ${drafts}`);
    for (const draft of drafts) {
      if (typeof draft === 'string') this.ctx.logger.debug({ type: incoming.type }, `Slack slash command skipped: ${draft}`);
      else await this.ctx.publish(draft);
    }
  }

  private async onEvent(event: SlackEvent, eventId: string): Promise<void> {
    const skip = skipReason(event);
    const isMessage = event.type === 'message' || event.type === 'app_mention';
    if (skip && isMessage && event.subtype !== 'message_deleted') {
      this.ctx.logger.debug({ type: event.type, subtype: event.subtype }, `Slack event skipped: ${skip}`);
      return;
    }
    if (skip) {
      const draft = await eventDraft(event, eventId || `${String(event.type)}.${String(event.event_ts)}`, this.events);
      if (typeof draft === 'string') this.ctx.logger.debug({ type: event.type }, `Slack event skipped: ${draft}`);
      else await this.ctx.publish(draft);
      return;
    }
    const e = event as MessageEvent;
    const ids = namesNeeded(e);
    const names = new Map(await Promise.all(ids.map(async (id) => [id, await this.names.name(id, NAME_WAIT_MS)] as const)));
    const draft = toDraft(e, this.bot.userId, names);
    this.threads.note(e.channel!, e.ts!, {
      root: e.thread_ts ?? e.ts!,
      ...(e.user ? { user: e.user } : {}),
      ...(e.team ? { team: e.team } : {}),
    });
    await this.ctx.publish(draft);
  }
}

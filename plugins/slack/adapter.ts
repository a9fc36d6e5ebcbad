import {
  BoundedMap,
  Context,
  DeliveryError,
  InstanceHttp,
  Options,
  SendProgress,
  StartError,
  inject,
  injectable,
  type ChannelAdapter,
  type OutboundEnvelope,
  type PluginContext,
  type SendInfo,
  type SendResult,
} from '../../core/plugin';
import { SlackApi, SlackCallError, type BotIdentity } from './api';
import { SocketConnection, type SlackEvent } from './connection';
import { explainStartError } from './errors';
import { messageIdOf, namesNeeded, skipReason, toDraft, type MessageEvent } from './inbound';
import { UserNames } from './memo';
import type { SlackOptions } from './options';
import { addressOf, renderPieces, type Address } from './outbound';

/** How long a received event waits for user names before it is published with ids instead (Slack wants an ack within 3 s). */
const NAME_WAIT_MS = 1500;

/**
 * One Slack app in Socket Mode. Start: `auth.test` proves the bot token and gives the bot's user id,
 * then the Socket Mode connection opens with the app-level token. Every received message is published to
 * core before its envelope is acknowledged, so Slack redelivers whatever was not stored.
 *
 * Slack has no idempotency key for `chat.postMessage`: core's outbox keeps an envelope id from being
 * delivered twice, and the pieces of a split message already posted are remembered (`SendProgress`, in
 * NATS), so a retry after a failure in the middle, on any replica, posts only the rest.
 */
@injectable()
export class SlackAdapter implements ChannelAdapter {
  private readonly http = new InstanceHttp();
  private readonly api: SlackApi;
  private readonly names: UserNames;
  private connection?: SocketConnection;
  private bot: BotIdentity = { userId: '', botId: '', teamId: '', team: '' };
  /** Thread parent ts of the messages received, by message id: replies go to the parent. */
  private readonly roots = new BoundedMap<string, string>(20_000);
  /** DM channel of each user written to by user id. */
  private readonly dms = new BoundedMap<string, string>(5_000);
  /** Message ids already posted for an envelope whose delivery failed part-way. */
  private readonly progress: SendProgress<string[]>;

  constructor(
    @inject(Context) private readonly ctx: PluginContext,
    @inject(Options) private readonly options: SlackOptions,
  ) {
    this.api = new SlackApi(options, ctx.logger, this.http.fetch);
    this.names = new UserNames((id) => this.api.userName(id));
    this.progress = new SendProgress(ctx.store, ctx.logger);
  }

  async start(): Promise<void> {
    try {
      this.bot = await this.api.authTest();
    } catch (err) {
      if (err instanceof SlackCallError)
        throw new StartError(explainStartError(err.failure, 'botToken', this.options.apiUrl), undefined, { cause: err });
      throw err;
    }
    this.ctx.logger.info(
      { botUserId: this.bot.userId, botId: this.bot.botId, team: this.bot.team, teamId: this.bot.teamId },
      'Slack bot identified',
    );
    this.connection = new SocketConnection(this.options, this.ctx, this.ctx.logger, this.http.fetch);
    await this.connection.open((event) => this.onEvent(event));
  }

  async stop(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
    this.http.close();
  }

  async send(env: OutboundEnvelope, info: SendInfo): Promise<SendResult> {
    const pieces = renderPieces(env);
    const address = addressOf(env);
    const channel = address.channel ?? (await this.dmWith(address.user!));
    const threadTs = await this.threadFor(channel, address);
    const done = (pieces.length > 1 ? await this.progress.load(env.id) : undefined) ?? [];
    try {
      for (let i = done.length; i < pieces.length; i++) {
        info.signal.throwIfAborted();
        const posted = await this.api.postMessage({ channel, ...pieces[i]!, ...(threadTs ? { thread_ts: threadTs } : {}) });
        done.push(messageIdOf(posted.channel, posted.ts));
        if (i < pieces.length - 1) await this.progress.save(env.id, done);
      }
    } catch (err) {
      if (err instanceof DeliveryError && !err.retryable) await this.progress.clear(env.id);
      throw err;
    }
    await this.progress.clear(env.id);
    return { messageIds: done };
  }

  private async dmWith(user: string): Promise<string> {
    let channel = this.dms.get(user);
    if (!channel) {
      channel = await this.api.openDm(user);
      this.dms.set(user, channel);
    }
    return channel;
  }

  /**
   * The thread a reply goes to. Slack wants the parent's ts, not a reply's: the parent is known for
   * messages this instance received, else asked of `conversations.replies` (after a restart, or when
   * another replica received it). Without replyInThread, only a message already in a thread gets a
   * threaded answer.
   */
  private async threadFor(channel: string, address: Address): Promise<string | undefined> {
    if (!address.replyTs) return undefined;
    const id = messageIdOf(channel, address.replyTs);
    let root = this.roots.get(id);
    if (!root) {
      root = await this.api.threadRoot(channel, address.replyTs).catch((err: Error) => {
        this.ctx.logger.debug({ replyTo: id, err: err.message }, 'thread parent unknown; replying to the message ts itself');
        return address.replyTs!;
      });
      this.roots.set(id, root);
    }
    return this.options.replyInThread || root !== address.replyTs ? root : undefined;
  }

  private async onEvent(event: SlackEvent): Promise<void> {
    const skip = skipReason(event);
    if (skip) {
      this.ctx.logger.debug({ type: event.type, subtype: event.subtype }, `Slack event skipped: ${skip}`);
      return;
    }
    const e = event as MessageEvent;
    const ids = namesNeeded(e);
    const names = new Map(await Promise.all(ids.map(async (id) => [id, await this.names.name(id, NAME_WAIT_MS)] as const)));
    const draft = toDraft(e, this.bot.userId, names);
    this.roots.set(draft.messageId, e.thread_ts ?? e.ts!);
    await this.ctx.publish(draft);
  }
}

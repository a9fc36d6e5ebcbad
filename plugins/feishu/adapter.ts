import {
  BoundedMap,
  Context,
  DeliveryError,
  Pacer,
  StartError,
  Options,
  inject,
  injectable,
  type ChannelAdapter,
  type EditResult,
  type OutboundEnvelope,
  type PluginContext,
  type SendInfo,
  type SendResult,
  type SentMessage,
} from '../../core/plugin';
import { FeishuApi, type FeishuMessage } from './api';
import { CardKit } from './cardkit';
import { Edits, type SentHandle } from './edit';
import { LongConnection, explainConnectError } from './connection';
import { toDraft, type ReceiveEvent } from './inbound';
import { postMdContent } from './markdown';
import type { FeishuOptions } from './options';
import { renderMessages, targetOf, type Target } from './outbound';
import { TABLE_LIMIT_CODE } from './errors';
import { Streams } from './stream';
import { webhookHandler } from './webhook';

const MAX_TRACKED_REACTIONS = 10_000;

/**
 * One Feishu app. Start: check the credentials and learn the bot's open id (bot info), then open the
 * long connection or mount the webhook route. Every received message is published to core before the
 * event is acknowledged, so Feishu redelivers whatever was not stored.
 */
@injectable()
export class FeishuAdapter implements ChannelAdapter {
  private readonly api: FeishuApi;
  private connection?: LongConnection;
  private botOpenId = '';
  /** Reactions put on received messages, removed once the reply is sent. */
  private readonly reactions = new BoundedMap<string, string>(MAX_TRACKED_REACTIONS);
  /** Feishu's limits, with a margin for clock skew: 5 messages/s per chat, 50 calls/s per app. */
  private readonly perChat = new Pacer(5, 1100);
  private readonly perApp = new Pacer(50, 1050);
  private readonly streams: Streams;
  private readonly edits: Edits;

  constructor(
    @inject(Context) private readonly ctx: PluginContext,
    @inject(Options) private readonly options: FeishuOptions,
  ) {
    this.api = new FeishuApi(options);
    this.streams = new Streams(
      new CardKit(this.api.rest),
      ctx.store,
      ctx.logger,
      options.streamPaceMs,
      (env, m, uuid, info) => this.paced(env, info, () => this.post(targetOf(env), m, uuid)),
      (signal) => this.perApp.take('app', signal),
    );
    this.edits = new Edits(this.api.rest, this.streams, options, (signal) => this.perApp.take('app', signal));
  }

  async start(): Promise<void> {
    let bot: { openId: string; name: string };
    try {
      bot = await this.api.botInfo();
    } catch (err) {
      const code = err instanceof DeliveryError && typeof err.platformCode === 'number' ? err.platformCode : undefined;
      throw new StartError(explainConnectError((err as Error).message, code), undefined, { cause: err });
    }
    this.botOpenId = bot.openId;
    this.ctx.logger.info({ botOpenId: bot.openId, botName: bot.name, mode: this.options.mode }, 'Feishu bot identified');
    const onMessage = (event: Record<string, unknown>) => this.onMessage(event as ReceiveEvent);
    if (this.options.mode === 'webhook') {
      const path = this.ctx.http.route('POST', this.options.webhookPath, webhookHandler(this.options, onMessage, this.ctx.logger));
      this.ctx.logger.info({ url: `${this.ctx.http.baseUrl}${path}` }, 'Feishu channel listening for webhook events');
      this.ctx.status('connected', `webhook at ${path}`);
      return;
    }
    this.connection = new LongConnection(this.options, this.ctx, this.ctx.logger, this.api.rest);
    await this.connection.open(onMessage);
  }

  async stop(): Promise<void> {
    this.connection?.close();
    this.connection = undefined;
    this.api.close();
  }

  async send(env: OutboundEnvelope, info: SendInfo): Promise<SendResult> {
    if (env.stream) {
      const handle = await this.streams.open(env, info);
      if (env.replyTo) this.clearReaction(env.replyTo);
      return { messageIds: [handle.messageId], handle };
    }
    const messages = renderMessages(env, this.options);
    const target = targetOf(env);
    const sent: Array<{ id: string; msgType: string }> = [];
    for (const m of messages) sent.push(await this.paced(env, info, () => this.deliver(target, m)));
    if (env.replyTo) this.clearReaction(env.replyTo);
    return { messageIds: sent.map((s) => s.id), handle: { kind: 'sent', msgTypes: sent.map((s) => s.msgType) } satisfies SentHandle };
  }

  edit(env: OutboundEnvelope, target: SentMessage, info: SendInfo): Promise<EditResult> {
    return this.edits.edit(env, target, info);
  }

  delete(target: SentMessage): Promise<void> {
    return this.edits.delete(target);
  }

  /** One message out, within Feishu's limits per chat and per app. */
  private async paced<T>(env: OutboundEnvelope, info: SendInfo, call: () => Promise<T>): Promise<T> {
    await this.perChat.take(env.conversation?.id ?? env.replyTo!, info.signal);
    await this.perApp.take('app', info.signal);
    return call();
  }

  /** Sends one piece; returns its id and the msg_type it went out as. */
  private async deliver(target: Target, m: FeishuMessage & { uuid: string }): Promise<{ id: string; msgType: string }> {
    try {
      return { id: await this.post(target, m, m.uuid), msgType: m.msgType };
    } catch (err) {
      // Feishu's table limit varies by client and card version: a card it refuses still goes out as a post.
      const tableLimit = err instanceof DeliveryError && err.platformCode === TABLE_LIMIT_CODE;
      if (!tableLimit || m.msgType !== 'interactive') throw err;
      const md = (JSON.parse(m.content) as { body: { elements: Array<{ content: string }> } }).body.elements[0]!.content;
      this.ctx.logger.info('card refused for its tables (11310); sending the piece as a post instead');
      return { id: await this.post(target, { msgType: 'post', content: postMdContent(md) }, `${m.uuid.slice(0, 48)}-p`), msgType: 'post' };
    }
  }

  private post(target: Target, m: FeishuMessage, uuid: string): Promise<string> {
    return target.kind === 'reply'
      ? this.api.reply(target.messageId, m, uuid, this.options.replyInThread)
      : this.api.create(target.receiveIdType, target.receiveId, m, uuid);
  }

  private async onMessage(event: ReceiveEvent): Promise<void> {
    const draft = toDraft(event, this.botOpenId);
    if ('skip' in draft) {
      this.ctx.logger.warn({ eventId: event.event_id }, `Feishu event skipped: ${draft.skip}`);
      return;
    }
    const result = await this.ctx.publish(draft);
    if (result.outcome === 'stored' && this.options.reactEmoji) this.markReceived(draft.messageId);
  }

  private markReceived(messageId: string): void {
    this.api.addReaction(messageId, this.options.reactEmoji).then(
      (reactionId) => {
        if (!reactionId) return;
        this.reactions.set(messageId, reactionId);
      },
      (err: Error) =>
        this.ctx.logger.warn(
          { messageId, err: err.message },
          'could not add the reaction (needs the im:message.reactions:write_only permission?)',
        ),
    );
  }

  private clearReaction(messageId: string): void {
    const reactionId = this.reactions.get(messageId);
    if (!reactionId) return;
    this.reactions.delete(messageId);
    this.api
      .removeReaction(messageId, reactionId)
      .catch((err: Error) => this.ctx.logger.warn({ messageId, err: err.message }, 'could not remove the reaction'));
  }
}

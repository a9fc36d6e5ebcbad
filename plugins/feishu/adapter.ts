import { BoundedMap, Context, DeliveryError, hashId, Pacer, StartError, Options, inject, injectable } from '../../core/plugin';
import type * as plugin from '../../core/plugin';
import { callbackAnswer, cardActionDraft, menuDraft, type BotMenuEvent, type CardActionEvent } from './callbacks';
import { withButtons } from './card';
import { EVENT_TYPES, eventDraft, type MessageMeta, type PlatformEvent } from './events';
import { Media } from './media';
import { Reactions } from './reactions';
import { Typing } from './typing';
import { FeishuApi, type FeishuMessage } from './api';
import { CardKit } from './cardkit';
import { Edits, type SentHandle } from './edit';
import { LongConnection, explainConnectError, type EventHandler } from './connection';
import { toDraft, type ReceiveEvent } from './inbound';
import { postMdContent } from './markdown';
import type { FeishuOptions } from './options';
import { renderMessages, targetOf, type Target } from './outbound';
import { TABLE_LIMIT_CODE } from './errors';
import { Streams } from './stream';
import { webhookHandler } from './webhook';

const MAX_TRACKED_REACTIONS = 10_000;
const EMPTY_CARD = JSON.stringify({ schema: '2.0', body: { elements: [] } });

/**
 * One Feishu app. Start: check the credentials and learn the bot's open id (bot info), then open the
 * long connection or mount the webhook route. Every received message is published to core before the
 * event is acknowledged, so Feishu redelivers whatever was not stored.
 */
@injectable()
export class FeishuAdapter implements plugin.ChannelAdapter {
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
  private readonly media: Media;
  private readonly reacts: Reactions;
  private readonly indicator: Typing;
  /** Chat (and author) of messages received and sent: Feishu's reaction and recall events do not say. */
  private readonly known = new BoundedMap<string, MessageMeta>(MAX_TRACKED_REACTIONS);
  /** Direct or group, for each chat a message came from (card callbacks name only the chat). */
  private readonly chatTypes = new BoundedMap<string, 'direct' | 'group'>(MAX_TRACKED_REACTIONS);

  constructor(
    @inject(Context) private readonly ctx: plugin.PluginContext,
    @inject(Options) private readonly options: FeishuOptions,
  ) {
    this.api = new FeishuApi(options);
    this.streams = new Streams(
      new CardKit(this.api.rest),
      ctx.store,
      ctx.logger,
      options.streamPaceMs,
      (env, m, uuid, info) => this.paced(env.conversation?.id ?? env.replyTo!, info, () => this.post(targetOf(env), m, uuid)),
      (signal) => this.perApp.take('app', signal),
    );
    this.edits = new Edits(this.api.rest, this.streams, options, (signal) => this.perApp.take('app', signal));
    this.media = new Media(this.api.rest);
    this.reacts = new Reactions(this.api, ctx.store);
    this.indicator = new Typing(this.reacts, ctx.store, ctx.logger);
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
    const handlers = this.handlers();
    if (this.options.mode === 'webhook') {
      const path = this.ctx.http.route('POST', this.options.webhookPath, webhookHandler(this.options, handlers, this.ctx.logger));
      this.ctx.logger.info({ url: `${this.ctx.http.baseUrl}${path}` }, 'Feishu channel listening for webhook events');
      this.ctx.status('connected', `webhook at ${path}`);
      return;
    }
    this.connection = new LongConnection(this.options, this.ctx, this.ctx.logger, this.api.rest);
    await this.connection.open(handlers);
  }

  /** A handler per Feishu event type: messages, card clicks, the bot menu, and the events of `events.ts`. */
  private handlers(): Record<string, EventHandler> {
    const handlers: Record<string, EventHandler> = {
      'im.message.receive_v1': (e) => this.onMessage(e as ReceiveEvent),
      'card.action.trigger': (e) => this.onCallback(e as CardActionEvent),
      'application.bot.menu_v6': (e) => this.publishDraft('bot menu', menuDraft(e as BotMenuEvent)),
    };
    const ctx = { botOpenId: this.botOpenId, meta: (id: string) => this.metaOf(id) };
    for (const type of EVENT_TYPES) handlers[type] = async (e) => this.publishDraft(type, await eventDraft(type, e as PlatformEvent, ctx));
    return handlers;
  }

  async stop(): Promise<void> {
    this.connection?.close();
    this.connection = undefined;
    this.indicator.close();
    this.api.close();
  }

  async send(env: plugin.OutboundEnvelope, info: plugin.SendInfo): Promise<plugin.SendResult> {
    const files = info.attachments;
    const target = targetOf(env);
    const chatKey = env.conversation?.id ?? env.replyTo!;
    await this.indicator.clear(
      [env.replyTo, env.conversation?.id, env.replyTo ? this.known.get(env.replyTo)?.chatId : undefined],
      info.term,
    );
    const messageIds: string[] = [];
    let handle: SentHandle | Awaited<ReturnType<Streams['open']>> | undefined;
    if (env.stream) {
      const opened = await this.streams.open(env, info);
      messageIds.push(opened.messageId);
      handle = opened;
    } else {
      const messages = files.length && !env.native && !(env.text ?? '').trim() ? [] : renderMessages(env, this.options);
      // Files without text but with buttons: the buttons go in a card of their own before the files.
      if (!messages.length && info.actions.length) messages.push({ msgType: 'interactive', content: EMPTY_CARD, uuid: hashId(env.id, 50) });
      const last = info.actions.length ? messages.pop() : undefined;
      if (last) messages.push({ ...withButtons(last, info.actions), uuid: last.uuid });
      const msgTypes: string[] = [];
      for (const m of messages) {
        const sent = await this.paced(chatKey, info, () => this.deliver(target, m));
        messageIds.push(sent.id);
        msgTypes.push(sent.msgType);
      }
      handle = { kind: 'sent', msgTypes } satisfies SentHandle;
    }
    // Each file is uploaded, then sent with a uuid of its own: a retry may upload again, never posts twice.
    for (const [i, f] of files.entries()) {
      await this.perApp.take('app', info.signal);
      const m = await this.media.upload(f);
      messageIds.push(await this.paced(chatKey, info, () => this.post(target, m, hashId(`${env.id}#file${i}`, 50))));
    }
    if (env.replyTo) this.clearReaction(env.replyTo);
    const parent = env.replyTo ? this.known.get(env.replyTo) : undefined;
    const chatId = parent?.chatId ?? env.conversation?.id;
    const chatType = parent?.chatType ?? (chatId ? this.chatTypes.get(chatId) : undefined);
    if (chatId && chatType) for (const id of messageIds) this.known.set(id, { chatId, chatType, sender: this.botOpenId });
    return { messageIds, handle };
  }

  edit(env: plugin.OutboundEnvelope, target: plugin.SentMessage, info: plugin.SendInfo): Promise<plugin.EditResult> {
    return this.edits.edit(env, target, info);
  }

  delete(target: plugin.SentMessage): Promise<void> {
    return this.edits.delete(target);
  }

  react(reaction: plugin.ReactionRequest): Promise<void> {
    return this.reacts.react(reaction);
  }

  typing(target: { conversation?: string; replyTo?: string }, info: plugin.SendInfo): Promise<void> {
    return this.indicator.show(target, info.term);
  }

  fetchMedia(request: plugin.MediaRequest, info: { signal: AbortSignal }): Promise<plugin.MediaDownload> {
    return this.media.download(request, info.signal);
  }

  /** One message out, within Feishu's limits per chat and per app. */
  private async paced<T>(chatKey: string, info: plugin.SendInfo, call: () => Promise<T>): Promise<T> {
    await this.perChat.take(chatKey, info.signal);
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

  /**
   * A card click: stored (or refused by core) first, then answered, within Feishu's 3 s. A click the
   * channel cannot read is answered at once, so the user does not wait for Feishu's timeout.
   */
  private async onCallback(e: CardActionEvent): Promise<Record<string, unknown>> {
    const messageId = e.context?.open_message_id ?? e.open_message_id;
    const seen = messageId ? (this.known.get(messageId) ?? (await this.metaOf(messageId))) : undefined;
    const draft = cardActionDraft(e, (chat) => (seen?.chatId === chat ? seen.chatType : (this.chatTypes.get(chat) ?? 'group')));
    if (typeof draft === 'string') {
      this.ctx.logger.info(`Feishu card callback skipped: ${draft}`);
      return {};
    }
    // Core checks the chat when the envelope named one; one sent by `replyTo` alone it cannot know: checked here.
    if (seen && seen.chatId !== draft.conversation.id) {
      this.ctx.logger.warn(
        { messageId, chat: draft.conversation.id, sender: draft.sender.id },
        `button click refused: the card is in chat ${seen.chatId}, the callback names another chat`,
      );
      return callbackAnswer({ outcome: 'denied', id: draft.eventKey });
    }
    return callbackAnswer(await this.ctx.publish(draft));
  }

  private async publishDraft(what: string, draft: plugin.Draft | string): Promise<void> {
    if (typeof draft === 'string') this.ctx.logger.info(`Feishu ${what} event skipped: ${draft}`);
    else await this.ctx.publish(draft);
  }

  /** The chat of a message: one the channel saw, else Feishu's `GET im/v1/messages/:id`. */
  private async metaOf(messageId: string): Promise<MessageMeta | undefined> {
    const seen = this.known.get(messageId);
    if (seen) return seen;
    const meta = await this.api.messageMeta(messageId).catch((err: Error) => {
      this.ctx.logger.warn({ messageId, err: err.message }, 'could not look up the message (needs im:message:readonly?)');
      return undefined;
    });
    if (meta) this.known.set(messageId, meta);
    return meta;
  }

  private async onMessage(event: ReceiveEvent): Promise<void> {
    const draft = toDraft(event, this.botOpenId);
    if ('skip' in draft) {
      this.ctx.logger.warn({ eventId: event.event_id }, `Feishu event skipped: ${draft.skip}`);
      return;
    }
    this.known.set(draft.messageId, { chatId: draft.conversation.id, chatType: draft.conversation.type, sender: draft.sender.id });
    this.indicator.noteReceived(draft.conversation.id, draft.messageId);
    this.chatTypes.set(draft.conversation.id, draft.conversation.type);
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

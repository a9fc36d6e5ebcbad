import { BoundedMap, Context, DeliveryError, InstanceHttp, Options, SendProgress, StartError, inject, injectable } from '../../core/plugin';
import type * as plugin from '../../core/plugin';
import { DingTalkApi, DingTalkCallError } from './api';
import { Cards, cardKey, type CardHandle } from './cards';
import { StreamLink } from './connection';
import { explainStartError } from './errors';
import { clickDraft, originOf, skipReason, toDraft, type CardCallback, type Origin, type RobotMessage } from './inbound';
import { Media } from './media';
import type { DingTalkOptions } from './options';
import { numbered, targetOf, textPieces, type RobotPiece } from './outbound';
import { Robot } from './robot';
import { TOPIC_CARD, TOPIC_ROBOT } from './sdk';

/** A message sent whole (or the final text of a stream without a card): what recalls need. */
type SentHandle = { mode: 'sent'; conversation: string; type: Origin['type']; keys: string[] };
type Handle = CardHandle | SentHandle;

/** How long before a session webhook expires it is no longer used (DingTalk gives 90 minutes). */
const WEBHOOK_MARGIN_MS = 60_000;

const msgKey = (msgId: string) => `msg.${msgId}`;

/**
 * One DingTalk internal app's robot in Stream mode. Start: an access token proves the credentials,
 * then the Stream connection opens (`connections/open` on `apiUrl`, then the WebSocket it names). Robot
 * messages and card clicks are published to core before their frame is acknowledged, so DingTalk
 * pushes again whatever was not stored, and core's dedup makes the repeats one envelope.
 *
 * Out: robot messages by the OpenAPI (a group by openConversationId, a user by staff id), split under
 * DingTalk's size limit with the pieces already sent remembered (`SendProgress`: the OpenAPI has no
 * idempotency key); streams and buttons as AI cards when a card template is configured; files through
 * the media upload; recalls by processQueryKey.
 */
@injectable()
export class DingTalkAdapter implements plugin.ChannelAdapter {
  private readonly http = new InstanceHttp();
  private readonly api: DingTalkApi;
  private readonly robot: Robot;
  private readonly cards: Cards;
  private readonly media: Media;
  private readonly progress: SendProgress<string[]>;
  /** Where recent messages came from (by msgId), for replies by `replyTo`; also in `ctx.store`. */
  private readonly origins = new BoundedMap<string, Origin>(10_000);
  private link?: StreamLink;

  constructor(
    @inject(Context) private readonly ctx: plugin.PluginContext,
    @inject(Options) private readonly options: DingTalkOptions,
  ) {
    this.api = new DingTalkApi(options, ctx.logger, this.http.fetch);
    this.robot = new Robot(this.api);
    this.cards = new Cards(this.api, options, ctx.store, ctx.logger, ctx.account);
    this.media = new Media(this.api);
    this.progress = new SendProgress(ctx.store, ctx.logger);
  }

  async start(): Promise<void> {
    try {
      await this.api.accessToken(this.ctx.signal);
    } catch (err) {
      if (err instanceof DingTalkCallError)
        throw new StartError(explainStartError(err.failure, this.options.apiUrl), undefined, { cause: err });
      throw err;
    }
    this.link = new StreamLink(this.api, this.options.apiUrl, this.options.clientId, this.options.clientSecret, this.ctx, this.ctx.logger);
    await this.link.open((topic, data, frameId) => this.onFrame(topic, data, frameId), this.options.apiUrl);
    if (!this.cards.available)
      this.ctx.logger.info('no cardTemplateId: streams show only their final text, buttons become a numbered list (docs/dingtalk.md)');
  }

  async stop(): Promise<void> {
    const link = this.link;
    this.link = undefined;
    await link?.close();
    this.http.close();
  }

  async send(env: plugin.OutboundEnvelope, info: plugin.SendInfo): Promise<plugin.SendResult> {
    const to = await this.addressOf(env);
    if (env.stream) {
      if (!this.cards.available) return { messageIds: [], handle: { mode: 'deferred', conversation: to.conversation, type: to.type } };
      const handle = await this.cards.deliver(env, to, info);
      return { messageIds: [(handle as CardHandle & { mode: 'card' }).outTrackId], handle };
    }
    if (info.actions.length && this.cards.available && env.native === undefined && !info.attachments.length) {
      const handle = await this.cards.deliver(env, to, info);
      return { messageIds: [(handle as CardHandle & { mode: 'card' }).outTrackId], handle };
    }
    const keys = await this.post(env, info, to);
    return { messageIds: keys, handle: { mode: 'sent', conversation: to.conversation, type: to.type, keys } satisfies SentHandle };
  }

  async edit(env: plugin.OutboundEnvelope, target: plugin.SentMessage, info: plugin.SendInfo): Promise<plugin.EditResult> {
    const handle = target.handle as Handle | undefined;
    if (handle?.mode === 'card') return { handle: await this.cards.frame(env, handle, info) };
    if (handle?.mode === 'deferred') {
      if (!env.done) return {};
      const keys = await this.post(env, info, { conversation: handle.conversation, type: handle.type });
      return { handle: { mode: 'sent', conversation: handle.conversation, type: handle.type, keys } satisfies SentHandle };
    }
    throw DeliveryError.permanent(
      'DingTalk cannot edit a robot message once sent; only AI cards change (streams and messages with buttons, with cardTemplateId set): send a new message instead',
      { code: 'E_UNSUPPORTED' },
    );
  }

  async delete(target: plugin.SentMessage, info: plugin.SendInfo): Promise<void> {
    const handle = target.handle as Handle | undefined;
    if (handle?.mode === 'card')
      throw DeliveryError.permanent('DingTalk has no API to recall a card; edit it instead', { code: 'E_UNSUPPORTED' });
    if (handle?.mode === 'deferred') return; // nothing was shown yet
    const keys = (handle?.keys ?? target.messageIds).filter(Boolean);
    if (!keys.length)
      throw DeliveryError.permanent('the message has no processQueryKey to recall (sent through a session webhook)', {
        code: 'E_UNSUPPORTED',
      });
    const where = handle ?? (target.conversation ? targetOf(target.conversation) : undefined);
    if (!where) throw DeliveryError.permanent(`no conversation is known for "${target.envelope}"`, { code: 'E_UNSUPPORTED' });
    await this.robot.recall(where, keys, info.signal);
  }

  fetchMedia(request: plugin.MediaRequest, info: { signal: AbortSignal }): Promise<plugin.MediaDownload> {
    return this.media.download(request, info.signal);
  }

  /** The text (buttons as a numbered list when there is no card for them) then each attachment, as robot messages. */
  private async post(env: plugin.OutboundEnvelope, info: plugin.SendInfo, to: Origin): Promise<string[]> {
    const list = info.actions.length ? numbered(info.actions) : undefined;
    const pieces = textPieces(env, list);
    const steps = pieces.length + info.attachments.length;
    if (!steps) throw DeliveryError.permanent('the envelope has nothing to show', { code: 'E_SCHEMA' });
    const done = (steps > 1 ? await this.progress.load(env.id) : undefined) ?? [];
    const webhook = this.options.replyViaSessionWebhook && env.replyTo ? await this.webhookOf(env.replyTo) : undefined;
    try {
      for (let i = done.length; i < steps; i++) {
        info.signal.throwIfAborted();
        const piece: RobotPiece =
          i < pieces.length ? pieces[i]! : await this.media.piece(info.attachments[i - pieces.length]!, info.signal);
        if (webhook && i < pieces.length) {
          await this.robot.viaWebhook(webhook, piece, info.signal);
          done.push('');
        } else done.push(await this.robot.send(to, piece, info.signal));
        if (done.length < steps) await this.progress.save(env.id, done);
      }
    } catch (err) {
      if (err instanceof DeliveryError && !err.retryable) await this.progress.clear(env.id);
      throw err;
    }
    if (steps > 1) await this.progress.clear(env.id);
    return done.filter(Boolean);
  }

  private async addressOf(env: plugin.OutboundEnvelope): Promise<Origin> {
    if (env.conversation?.id) return targetOf(env.conversation.id);
    const origin = await this.originOf(env.replyTo!);
    if (!origin)
      throw DeliveryError.permanent(
        `replyTo "${env.replyTo}" is not a message this channel received in the last 24 hours, and DingTalk cannot look one up: set conversation.id`,
        { code: 'E_SCHEMA' },
      );
    return origin;
  }

  private async originOf(msgId: string): Promise<Origin | undefined> {
    const known = this.origins.get(msgId);
    if (known) return known;
    const stored = await this.ctx.store.get(msgKey(msgId)).catch(() => undefined);
    return stored ? (JSON.parse(stored) as Origin) : undefined;
  }

  private async webhookOf(msgId: string): Promise<string | undefined> {
    const o = await this.originOf(msgId);
    return o?.webhook && (o.webhookUntil ?? 0) > Date.now() + WEBHOOK_MARGIN_MS ? o.webhook : undefined;
  }

  private async onFrame(topic: string, data: Record<string, unknown>, frameId: string): Promise<void> {
    if (topic === TOPIC_CARD) return this.onClick(data as CardCallback, frameId);
    if (topic !== TOPIC_ROBOT) return;
    const m = data as RobotMessage;
    const skip = skipReason(m);
    if (skip) return this.ctx.logger.debug({ msgId: m.msgId }, `DingTalk message skipped: ${skip}`);
    const origin = originOf(m);
    this.origins.set(m.msgId!, origin);
    // Kept for replies on any replica; the message does not wait on it beyond its own publish.
    const remembered = this.ctx.store.put(msgKey(m.msgId!), JSON.stringify(origin)).catch((err: Error) => {
      this.ctx.logger.warn({ msgId: m.msgId, err: err.message }, 'where a DingTalk message came from could not be kept in NATS');
    });
    await Promise.all([this.ctx.publish(toDraft(m)), remembered]);
  }

  private async onClick(cb: CardCallback, frameId: string): Promise<void> {
    const stored = cb.outTrackId ? await this.ctx.store.get(cardKey(cb.outTrackId)) : undefined;
    const draft = clickDraft(cb, stored ? (JSON.parse(stored) as Origin) : undefined, frameId);
    if (typeof draft === 'string')
      return this.ctx.logger.info({ outTrackId: cb.outTrackId, userId: cb.userId }, `DingTalk card click skipped: ${draft}`);
    await this.ctx.publish(draft);
  }
}

import type { WSClient, WsFrame } from '@wecom/aibot-node-sdk';
import { Context, DeliveryError, InstanceHttp, Options, StartError, inject, injectable } from '../../core/plugin';
import type * as plugin from '../../core/plugin';
import { Answers } from './answers';
import { Clicks } from './cards';
import { Connection } from './connection';
import { describeFailure } from './errors';
import { eventDraft, messageDraft, type CallbackBody } from './inbound';
import { Media } from './media';
import type { WeComOptions } from './options';
import { Outbound, type Handle } from './outbound';

/** How long start() waits for the connection role before it reports this replica as standing by. */
const ROLE_WAIT_MS = 2000;
/** How long a standby replica's send waits before it is offered again (the connection holder sends). */
const STANDBY_RETRY_MS = 2000;

/**
 * One WeCom smart bot on its long connection. WeCom keeps one connection per bot, so with several
 * replicas one holds it (`ctx.exclusive('connection')`) and the others stand by; a standby replica's
 * deliveries are offered again until the connection is here.
 *
 * In: every callback is published to core first; a stored message is then answered at once with the
 * first frame of its reply stream (WeCom's "thinking" state, and what stops WeCom pushing the callback
 * again), which the agent's reply fills. Clicks on cards are actions; `enter_chat` is `member opened`.
 */
@injectable()
export class WeComAdapter implements plugin.ChannelAdapter {
  private readonly http = new InstanceHttp();
  private readonly connection: Connection;
  private readonly answers: Answers;
  private readonly clicks: Clicks;
  private readonly media: Media;
  private readonly outbound: Outbound;
  private holding = false;

  constructor(
    @inject(Context) private readonly ctx: plugin.PluginContext,
    @inject(Options) private readonly options: WeComOptions,
  ) {
    this.connection = new Connection(options, ctx, ctx.logger);
    this.answers = new Answers(ctx.store, ctx.logger);
    this.clicks = new Clicks(ctx.store, ctx.logger, () => this.connection.client);
    this.media = new Media(ctx.store, this.http.fetch, ctx.logger);
    this.outbound = new Outbound(options, ctx.store, this.clicks, this.media, ctx.logger);
  }

  async start(): Promise<void> {
    let first!: (refused?: string) => void;
    const connected = new Promise<string | undefined>((resolve) => (first = resolve));
    const began = new Promise<void>((resolve) => {
      this.ctx.exclusive('connection', async (signal) => {
        this.holding = true;
        resolve();
        try {
          await this.connection.hold(signal, { onFrame: (f) => void this.onFrame(f), onFirst: first });
        } finally {
          this.holding = false;
        }
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const standby = new Promise<'standby'>((resolve) => (timer = setTimeout(() => resolve('standby'), ROLE_WAIT_MS)));
    const role = await Promise.race([began, standby]);
    clearTimeout(timer);
    if (role === 'standby') {
      this.ctx.status('connected', 'standby: another replica holds the WeCom connection; this one takes over when it stops');
      return;
    }
    const refused = await connected;
    if (refused) throw new StartError(refused, 'the smart bot must be in API mode with "long connection" (admin console)');
  }

  async stop(): Promise<void> {
    this.clicks.close();
    this.http.close();
  }

  async send(env: plugin.OutboundEnvelope, info: plugin.SendInfo): Promise<plugin.SendResult> {
    const client = this.client();
    const answer = env.replyTo && !env.native ? await this.answers.take(env.replyTo, env.id) : undefined;
    const chat = env.conversation?.id ?? answer?.chat ?? (env.replyTo ? (await this.answers.get(env.replyTo))?.chat : undefined);
    if (!chat)
      throw DeliveryError.permanent(`replyTo ${env.replyTo} is no message this channel received: set conversation.id`, {
        code: 'E_SCHEMA',
      });
    if (env.native) return this.outbound.native(client, env, chat);
    if (answer && this.outbound.open(answer)) {
      const stream = this.outbound.streamHandle(answer);
      if (!env.stream) return this.outbound.finish(client, env, stream, info);
      if ((env.text ?? '').trim()) await this.outbound.frame(client, env, stream, info);
      return { messageIds: [stream.streamId], handle: stream };
    }
    if (env.stream) return { messageIds: [], handle: { kind: 'pending', chat } satisfies Handle };
    return this.outbound.proactive(client, env, chat, info);
  }

  async edit(env: plugin.OutboundEnvelope, target: plugin.SentMessage, info: plugin.SendInfo): Promise<plugin.EditResult> {
    const client = this.client();
    const h = target.handle as Handle | undefined;
    if (target.streaming && h?.kind === 'stream') {
      if (!env.done) {
        await this.outbound.frame(client, env, h, info);
        return { handle: h };
      }
      return { handle: (await this.outbound.finish(client, env, h, info)).handle };
    }
    if (target.streaming && h?.kind === 'pending') {
      if (!env.done) return { handle: h };
      return { handle: (await this.outbound.proactive(client, env, h.chat, info)).handle };
    }
    const click = h?.kind === 'sent' && h.taskId ? this.clicks.take(h.taskId) : undefined;
    if (!click || h?.kind !== 'sent' || !h.taskId)
      throw DeliveryError.permanent(
        'WeCom cannot change a message once sent; only the card of a message with buttons, within 4 s of a click on it (WeCom answers a click by a card update). Send a new message instead',
        { code: 'E_UNSUPPORTED' },
      );
    await this.outbound.updateCard(client, click, h.taskId, env, info);
    return { handle: h };
  }

  fetchMedia(request: plugin.MediaRequest, info: { signal: AbortSignal }): Promise<plugin.MediaDownload> {
    return this.media.download(request, info.signal);
  }

  /** The connection's client: on a standby replica (or while it reconnects) the delivery is offered again later. */
  private client(): WSClient {
    const client = this.connection.client;
    if (client) return client;
    throw DeliveryError.deferred(
      this.holding ? 'the WeCom long connection is reconnecting' : 'another replica holds the WeCom long connection (it sends)',
      { retryAfterMs: STANDBY_RETRY_MS },
    );
  }

  private async onFrame(frame: WsFrame): Promise<void> {
    const body = (frame.body ?? {}) as CallbackBody;
    try {
      if (frame.cmd === 'aibot_event_callback') return await this.onEvent(frame, body);
      const parsed = messageDraft(body, this.options.botName);
      if (typeof parsed === 'string') return this.ctx.logger.debug({ msgtype: body.msgtype }, `WeCom callback skipped: ${parsed}`);
      if (parsed.media.length) await this.media.remember(body.msgid!, parsed.media);
      const result = await this.ctx.publish(parsed.draft);
      if (result.outcome === 'stored' || result.outcome === 'duplicate') await this.acknowledge(frame, body, parsed.draft.conversation.id);
    } catch (err) {
      // Not stored (NATS is down): no reply, so WeCom pushes the callback again.
      this.ctx.logger.warn({ msgid: body.msgid, err: (err as Error).message }, 'WeCom callback not stored; WeCom pushes it again');
    }
  }

  /** Opens the reply stream of a stored message (once): WeCom's thinking state until the agent answers. */
  private async acknowledge(frame: WsFrame, body: CallbackBody, chat: string): Promise<void> {
    const msgid = body.msgid!;
    if (await this.answers.get(msgid)) return;
    const answer = { msgid, reqId: frame.headers.req_id, streamId: Answers.streamId(msgid), chat, openedAt: Date.now() };
    await this.answers.save(answer);
    const client = this.connection.client;
    try {
      await client?.replyStream(frame, answer.streamId, this.options.thinking, false);
    } catch (err) {
      this.ctx.logger.warn({ msgid, err: describeFailure(err).message }, 'the reply stream of a WeCom message could not be opened');
    }
  }

  private async onEvent(frame: WsFrame, body: CallbackBody): Promise<void> {
    const draft = eventDraft(body);
    if (typeof draft === 'string') return this.ctx.logger.debug({ event: body.event?.eventtype }, `WeCom event skipped: ${draft}`);
    const result = await this.ctx.publish(draft);
    if (draft.kind === 'action' && (result.outcome === 'stored' || result.outcome === 'duplicate'))
      this.clicks.clicked(body.event!.task_id!, draft.token!, frame);
  }
}

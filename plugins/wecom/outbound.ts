import type { TemplateCard, WSClient, WsFrame } from '@wecom/aibot-node-sdk';
import type { Logger } from 'pino';
import {
  DeliveryError,
  Pacer,
  SendProgress,
  chunkText,
  type OutboundEnvelope,
  type PluginStore,
  type SendInfo,
  type SendResult,
} from '../../core/plugin';
import type { Answer } from './answers';
import { buttonCard, noticeCard, taskIdOf, type Clicks } from './cards';
import { STREAM_EXPIRED, describeFailure, toDeliveryError } from './errors';
import { cardId } from './inbound';
import type { Media } from './media';
import type { WeComOptions } from './options';

/** A stream frame's content and a markdown message: at most 20,480 bytes of UTF-8. */
export const CONTENT_LIMIT = 20_480;
/** Frames are not sent this close to the end of WeCom's stream window: the final text goes as a message instead. */
const WINDOW_MARGIN_MS = 500;

/**
 * What core keeps of a message (`handle`): `stream`, the reply stream of a received message while it
 * is open; `pending`, a stream WeCom cannot show (no received message to answer: only its final text
 * is sent, as a message); `sent`, a finished message (only its card, if any, can still change).
 */
export type Handle =
  | { kind: 'stream'; msgid: string; reqId: string; streamId: string; chat: string; openedAt: number }
  | { kind: 'pending'; chat: string }
  | { kind: 'sent'; chat: string; taskId?: string };

/** The text a message shows: markdown as written; WeCom renders every stream and message as markdown. */
const textOf = (env: OutboundEnvelope) => (env.text ?? '').trim();

/**
 * Envelopes to WeCom's commands. A reply to a received message (`replyTo`) is that message's reply
 * stream (`aibot_respond_msg`, `msgtype: stream`, the full content each frame, `finish` on the last):
 * a plain message is one final frame, a stream its frames. Without a message to answer (or once its
 * answer is taken, or its 6 minutes are over) a message is sent on its own (`aibot_send_msg`,
 * markdown). Text over 20,480 bytes continues in further messages; buttons are a card, files media
 * messages. The pieces already out are remembered (`SendProgress`), so a retry sends only the rest.
 */
export class Outbound {
  private readonly pace: Pacer;
  private readonly progress: SendProgress<{ step: number; ids: string[] }>;

  constructor(
    private readonly options: WeComOptions,
    store: PluginStore,
    private readonly clicks: Clicks,
    private readonly media: Media,
    private readonly log: Logger,
  ) {
    this.pace = new Pacer(1, Math.max(1, options.streamPaceMs));
    this.progress = new SendProgress(store, log);
  }

  /** Whether the stream still takes frames. */
  open(s: { openedAt: number }): boolean {
    return Date.now() - s.openedAt < this.options.streamWindowMs - WINDOW_MARGIN_MS;
  }

  streamHandle(answer: Answer): Handle & { kind: 'stream' } {
    return {
      kind: 'stream',
      msgid: answer.msgid,
      reqId: answer.reqId,
      streamId: answer.streamId,
      chat: answer.chat,
      openedAt: answer.openedAt,
    };
  }

  /** One frame of an open stream that is not its last: the text so far (its first 20,480 bytes). */
  async frame(client: WSClient, env: OutboundEnvelope, h: Handle & { kind: 'stream' }, info: SendInfo): Promise<void> {
    if (!this.open(h))
      return this.log.debug({ streamId: h.streamId }, 'WeCom stream window over: frame not sent; the final text goes as a message');
    await this.pace.take(h.streamId, info.signal);
    const content = chunkText(textOf(env), CONTENT_LIMIT)[0] ?? this.options.thinking;
    try {
      await client.replyStream({ headers: { req_id: h.reqId } }, h.streamId, content, false);
    } catch (err) {
      const f = describeFailure(err);
      if (f.errcode === STREAM_EXPIRED)
        return this.log.info({ streamId: h.streamId }, 'WeCom closed the stream; the final text goes as a message');
      throw toDeliveryError(f, 'stream frame');
    }
  }

  /** The final frame of an open stream (and what does not fit in it); a closed stream's text as messages. */
  async finish(client: WSClient, env: OutboundEnvelope, h: Handle & { kind: 'stream' }, info: SendInfo): Promise<SendResult> {
    const pieces = chunkText(textOf(env), CONTENT_LIMIT);
    const taskId = info.actions.length ? taskIdOf(env.id, info.sequence) : undefined;
    const card = taskId ? buttonCard(info.actions, taskId, this.options.buttonsTitle) : undefined;
    const steps: Array<() => Promise<string[]>> = [
      () => this.finalFrame(client, h, pieces[0] ?? '', pieces.length === 1 ? card : undefined, info),
      ...pieces.slice(1).map((p) => () => this.markdown(client, h.chat, p)),
      ...(card && pieces.length !== 1 ? [() => this.card(client, h.chat, card)] : []),
      ...info.attachments.map((f) => async () => [await this.media.send(client, f, h.chat)]),
    ];
    const ids = await this.run(env.id, steps);
    return { messageIds: ids, handle: { kind: 'sent', chat: h.chat, ...(taskId ? { taskId } : {}) } satisfies Handle };
  }

  /** A message on its own to `chat`: markdown pieces, then a card with the buttons, then the files. */
  async proactive(client: WSClient, env: OutboundEnvelope, chat: string, info: SendInfo): Promise<SendResult> {
    const pieces = chunkText(textOf(env), CONTENT_LIMIT);
    const taskId = info.actions.length ? taskIdOf(env.id, info.sequence) : undefined;
    const steps: Array<() => Promise<string[]>> = [
      ...pieces.map((p) => () => this.markdown(client, chat, p)),
      ...(taskId ? [() => this.card(client, chat, buttonCard(info.actions, taskId, this.options.buttonsTitle))] : []),
      ...info.attachments.map((f) => async () => [await this.media.send(client, f, chat)]),
    ];
    const ids = await this.run(env.id, steps);
    return { messageIds: ids, handle: { kind: 'sent', chat, ...(taskId ? { taskId } : {}) } satisfies Handle };
  }

  /** A platform-specific `aibot_send_msg` body (`native`: `{ msgtype, ... }`) to `chat`. */
  async native(client: WSClient, env: OutboundEnvelope, chat: string): Promise<SendResult> {
    const body = env.native as { msgtype?: unknown };
    if (!['markdown', 'template_card', 'image', 'file', 'voice', 'video'].includes(String(body.msgtype)))
      throw DeliveryError.permanent(
        'native must be an aibot_send_msg body: { msgtype: markdown | template_card | image | file | voice | video, ... }',
        {
          code: 'E_SCHEMA',
        },
      );
    const ack = await client.sendMessage(chat, body as never).catch((err: unknown) => {
      throw toDeliveryError(describeFailure(err), 'native message');
    });
    return { messageIds: [ack.headers.req_id], handle: { kind: 'sent', chat } satisfies Handle };
  }

  /** Replaces the card of a message in answer to a click on it (the click's req_id): the edit's text and buttons. */
  async updateCard(client: WSClient, click: WsFrame, taskId: string, env: OutboundEnvelope, info: SendInfo): Promise<void> {
    const card = info.actions.length
      ? buttonCard(info.actions, taskId, this.options.buttonsTitle, textOf(env))
      : noticeCard(taskId, this.options.buttonsTitle, textOf(env));
    await client.updateTemplateCard(click, card).catch((err: unknown) => {
      throw toDeliveryError(describeFailure(err), 'card update');
    });
    await this.clicks.sent(card);
  }

  private async finalFrame(client: WSClient, h: Handle & { kind: 'stream' }, text: string, card: TemplateCard | undefined, info: SendInfo) {
    if (this.open(h)) {
      await this.pace.take(h.streamId, info.signal);
      try {
        const frame = { headers: { req_id: h.reqId } };
        if (card) await client.replyStreamWithCard(frame, h.streamId, text, true, { templateCard: card });
        else await client.replyStream(frame, h.streamId, text, true);
        if (card) await this.clicks.sent(card);
        return card ? [h.streamId, cardId(h.chat, card.task_id!)] : [h.streamId];
      } catch (err) {
        const f = describeFailure(err);
        if (f.errcode !== STREAM_EXPIRED) throw toDeliveryError(f, 'final stream frame');
      }
    }
    // WeCom takes a stream's frames for 6 minutes: the answer still reaches the chat, as a message of its own.
    this.log.info({ streamId: h.streamId, chat: h.chat }, 'WeCom stream window over: the final text is sent as a new message');
    const ids = text ? await this.markdown(client, h.chat, text) : [];
    return card ? [...ids, ...(await this.card(client, h.chat, card))] : ids;
  }

  private async markdown(client: WSClient, chat: string, content: string): Promise<string[]> {
    const ack = await client.sendMessage(chat, { msgtype: 'markdown', markdown: { content } }).catch((err: unknown) => {
      throw toDeliveryError(describeFailure(err), 'message');
    });
    return [ack.headers.req_id];
  }

  private async card(client: WSClient, chat: string, card: TemplateCard): Promise<string[]> {
    await client.sendMessage(chat, { msgtype: 'template_card', template_card: card }).catch((err: unknown) => {
      throw toDeliveryError(describeFailure(err), 'card with buttons');
    });
    await this.clicks.sent(card);
    return [cardId(chat, card.task_id!)];
  }

  /** Runs the steps of one envelope, resuming after those a failed attempt already did. */
  private async run(envelope: string, steps: Array<() => Promise<string[]>>): Promise<string[]> {
    const done = (steps.length > 1 ? await this.progress.load(envelope) : undefined) ?? { step: 0, ids: [] };
    try {
      for (let i = done.step; i < steps.length; i++) {
        done.ids.push(...(await steps[i]!()));
        done.step = i + 1;
        if (done.step < steps.length) await this.progress.save(envelope, done);
      }
    } catch (err) {
      if (err instanceof DeliveryError && !err.retryable) await this.progress.clear(envelope);
      throw err;
    }
    await this.progress.clear(envelope);
    return done.ids;
  }
}

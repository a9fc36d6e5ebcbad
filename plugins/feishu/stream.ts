import type { Logger } from 'pino';
import { DeliveryError, Pacer, hashId, type OutboundEnvelope, type PluginStore, type SendInfo } from '../../core/plugin';
import type { FeishuMessage } from './api';
import { CardKit, SEQUENCE_CODE, STREAM_CLOSED_CODES, cardReference, streamCard } from './cardkit';

/**
 * What core keeps of a streamed answer (`SendResult.handle` / `EditResult.handle`), on every replica:
 * the card entity, the message showing it, and whether the card still streams (once Feishu turned
 * streaming off, or the answer is done, frames replace the card whole).
 */
export interface CardHandle {
  kind: 'card';
  cardId: string;
  messageId: string;
  streaming: boolean;
}

/** Whether a handle core gave back is a streamed card's. */
export function isCardHandle(h: unknown): h is CardHandle {
  const c = h as Partial<CardHandle> | undefined;
  return c?.kind === 'card' && typeof c.cardId === 'string' && typeof c.messageId === 'string';
}

/** Operations per envelope: the `sequence` of each is derived from the envelope's own (see `seq`). */
const OPS = { content: 0, settings: 1, replace: 2 } as const;
/** CardKit takes sequences up to 2^31 - 1. */
const MAX_SEQUENCE = 2_147_483_647;

/** What the card shows while an answer has no text yet. */
export const THINKING = '…';

/**
 * Feishu's streaming cards (CardKit) driven by core's snapshot frames: the first frame creates a card
 * entity in `streaming_mode` and sends the message that shows it; each later frame streams the full text
 * into the card's element; the final frame streams the last text and turns streaming off. Feishu turns
 * streaming off by itself after 10 minutes (200850 / 300309): from then on frames, the final one
 * included, replace the card whole, in the same message. Frames of one card are paced (`paceMs`, within
 * CardKit's 10 operations per second), and core merges the frames that wait meanwhile.
 *
 * Exactly once across retries and replicas: the card id is written to `ctx.store` before the message
 * that shows it is sent (with the envelope's `uuid`), so a retry reuses both; each CardKit call's
 * `sequence` comes from the envelope's sequence in the outbound stream (greater for every later
 * envelope, the same on redelivery) and its `uuid` from the envelope id, so a call repeated after a
 * crash is carried out once, and one overtaken by a later frame is refused (300317) and skipped.
 */
export class Streams {
  private readonly pace: Pacer;

  constructor(
    private readonly cards: CardKit,
    private readonly store: PluginStore,
    private readonly log: Logger,
    paceMs: number,
    /** Sends a message as the adapter does (pacing per chat and app included); returns its id. */
    private readonly post: (env: OutboundEnvelope, m: FeishuMessage, uuid: string, info: SendInfo) => Promise<string>,
    /** Waits for room in the app's rate (50 calls per second): a card is created outside streaming mode's freedom. */
    private readonly appPace: (signal: AbortSignal) => Promise<void>,
  ) {
    this.pace = new Pacer(1, paceMs);
  }

  /** Opens the stream of `env` (`stream: true`): the card, then the message that shows it. */
  async open(env: OutboundEnvelope, info: SendInfo): Promise<CardHandle> {
    const key = `card.${hashId(env.id, 100)}`;
    const stored = await this.store.get(key).catch((err: Error) => {
      throw DeliveryError.retryable(`the stream's card could not be read from NATS: ${err.message}`);
    });
    let cardId = stored;
    if (!cardId) {
      await this.appPace(info.signal);
      cardId = await this.cards.create(streamCard(env.text || THINKING, true), info.signal);
      await this.store.put(key, cardId).catch((err: Error) => {
        throw DeliveryError.retryable(`the stream's card could not be written to NATS: ${err.message}`);
      });
    }
    const messageId = await this.post(env, { msgType: 'interactive', content: cardReference(cardId) }, hashId(env.id, 50), info);
    void this.pace.take(cardId);
    return { kind: 'card', cardId, messageId, streaming: true };
  }

  /** One frame (the last when `env.done`), or an edit of a streamed answer after it ended. */
  async frame(env: OutboundEnvelope, handle: CardHandle, info: SendInfo): Promise<CardHandle> {
    await this.pace.take(handle.cardId, info.signal);
    const text = env.text || THINKING;
    if (handle.streaming) {
      try {
        await this.op(handle, env, info, 'content', (s, u) => this.cards.content(handle.cardId, text, s, u, info.signal));
        if (!env.done) return handle;
        await this.op(handle, env, info, 'settings', (s, u) => this.cards.endStreaming(handle.cardId, s, u, info.signal));
        // Buttons of the final answer: the card is replaced whole with them under the text.
        if (info.actions.length)
          await this.op(handle, env, info, 'replace', (s, u) =>
            this.cards.replace(handle.cardId, streamCard(text, false, info.actions), s, u, info.signal),
          );
        return { ...handle, streaming: false };
      } catch (err) {
        const code = (err as DeliveryError).platformCode;
        if (typeof code !== 'number' || !STREAM_CLOSED_CODES.has(code)) throw err;
        this.log.info(
          { cardId: handle.cardId, platformCode: code },
          'Feishu ended the card streaming; the card is replaced whole from now on',
        );
      }
    }
    await this.op(handle, env, info, 'replace', (s, u) =>
      this.cards.replace(handle.cardId, streamCard(text, false, info.actions), s, u, info.signal),
    );
    return { ...handle, streaming: false };
  }

  /**
   * One CardKit call of `env` with its sequence and uuid. A sequence refusal means the card already
   * took this call (a repeat) or a later frame's: either way there is nothing left to do.
   */
  private async op(
    handle: CardHandle,
    env: OutboundEnvelope,
    info: SendInfo,
    kind: keyof typeof OPS,
    call: (sequence: number, uuid: string) => Promise<void>,
  ): Promise<void> {
    const sequence = info.sequence * 4 + OPS[kind];
    if (sequence > MAX_SEQUENCE) {
      throw DeliveryError.permanent(`the outbound stream's sequence ${info.sequence} is past what CardKit takes (2^31 / 4)`);
    }
    try {
      await call(sequence, hashId(`${env.id}#${kind}`, 64));
    } catch (err) {
      if ((err as DeliveryError).platformCode !== SEQUENCE_CODE) throw err;
      this.log.debug({ cardId: handle.cardId, sequence, kind }, 'card already took this or a later operation');
    }
  }
}

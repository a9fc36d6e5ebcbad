import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { DeliveryError, Pacer, type ActionButton, type OutboundEnvelope, type PluginStore, type SendInfo } from '../../core/plugin';
import type { DingTalkApi } from './api';
import type { Origin } from './inbound';
import type { DingTalkOptions } from './options';

/**
 * What core keeps of a message shown as an AI card (`SendResult.handle`): the card's outTrackId, where
 * it is, whether streaming ended (then edits replace its variables), and whether it shows buttons.
 * `deferred` is a stream without a card template: nothing is shown until its final frame.
 */
export type CardHandle =
  | { mode: 'card'; outTrackId: string; conversation: string; type: Origin['type']; finalized: boolean; buttons: number }
  | { mode: 'deferred'; conversation: string; type: Origin['type'] };

interface DeliverResult {
  result?: { outTrackId?: string; deliverResults?: Array<{ success?: boolean; errorMsg?: string; spaceId?: string }> };
}

/** The key under which a card's conversation is kept, for its clicks (on any replica). */
export const cardKey = (outTrackId: string) => `card.${outTrackId}`;

/**
 * AI cards: `card/instances/createAndDeliver` (callbackType STREAM, so clicks come over the Stream
 * connection) shows the message; `PUT card/streaming` with the whole text (`isFull`) is each frame of
 * a stream, `isFinalize` the last; `PUT card/instances` replaces variables (buttons, and the text of a
 * card whose streaming ended). The outTrackId comes from the envelope id, so a retried create names
 * the same card, and each frame's guid from the envelope's sequence, so a repeated frame is the same
 * frame to DingTalk.
 */
export class Cards {
  private readonly pace: Pacer;

  constructor(
    private readonly api: DingTalkApi,
    private readonly options: DingTalkOptions,
    private readonly store: PluginStore,
    private readonly log: Logger,
    private readonly account: string,
  ) {
    this.pace = new Pacer(1, options.streamPaceMs);
  }

  get available(): boolean {
    return !!this.options.cardTemplateId;
  }

  /** Shows `env` as a card in `to`: streaming (`env.stream`) or finished, with its buttons. */
  async deliver(env: OutboundEnvelope, to: Origin, info: SendInfo): Promise<CardHandle> {
    const outTrackId = `cg_${createHash('sha256').update(`${this.account}\n${env.id}`).digest('base64url').slice(0, 32)}`;
    // Kept before the card exists, so its first click finds where it is.
    await this.store.put(cardKey(outTrackId), JSON.stringify(to)).catch((err: Error) => {
      throw DeliveryError.retryable(`the card's conversation could not be written to NATS: ${err.message}`);
    });
    const group = to.type === 'group';
    const robotCode = this.api.robotCode;
    const r = await this.api.deliver<DeliverResult>(
      'send the card',
      'POST',
      '/v1.0/card/instances/createAndDeliver',
      {
        cardTemplateId: this.options.cardTemplateId,
        outTrackId,
        callbackType: 'STREAM',
        cardData: { cardParamMap: this.params(env.text ?? '', info.actions) },
        openSpaceId: `dtv1.card//${group ? 'IM_GROUP' : 'IM_ROBOT'}.${to.conversation}`,
        userIdType: 1,
        ...(group
          ? { imGroupOpenSpaceModel: { supportForward: true }, imGroupOpenDeliverModel: { robotCode } }
          : { imRobotOpenSpaceModel: { supportForward: true }, imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode } }),
      },
      info.signal,
    );
    const failed = (r.result?.deliverResults ?? []).find((d) => d.success === false);
    if (failed)
      throw DeliveryError.permanent(
        `DingTalk created the card but could not deliver it to ${to.conversation}: ${failed.errorMsg ?? 'no reason given'} (is the robot in the group, is the user in the organisation?)`,
        { platformCode: 'deliverFailed' },
      );
    void this.pace.take(outTrackId);
    return { mode: 'card', outTrackId, conversation: to.conversation, type: to.type, finalized: !env.stream, buttons: info.actions.length };
  }

  /** A frame of a streaming card (the last when `env.done`), or an edit of a finished one. */
  async frame(env: OutboundEnvelope, handle: CardHandle & { mode: 'card' }, info: SendInfo): Promise<CardHandle> {
    await this.pace.take(handle.outTrackId, info.signal);
    const text = env.text ?? '';
    if (!handle.finalized) {
      await this.api.deliver(
        'stream the card',
        'PUT',
        '/v1.0/card/streaming',
        {
          outTrackId: handle.outTrackId,
          guid: `${handle.outTrackId}.${info.sequence}`,
          key: this.options.cardContentKey,
          content: text,
          isFull: true,
          isFinalize: env.done === true,
          isError: false,
        },
        info.signal,
      );
      if (!env.done) return handle;
      if (!info.actions.length && !handle.buttons) return { ...handle, finalized: true };
    }
    // A finished card: its variables are replaced (the buttons, and the text when streaming is over).
    await this.api.deliver(
      'update the card',
      'PUT',
      '/v1.0/card/instances',
      {
        outTrackId: handle.outTrackId,
        cardData: { cardParamMap: this.params(text, info.actions) },
        cardUpdateOptions: { updateCardDataByKey: true },
      },
      info.signal,
    );
    this.log.debug({ outTrackId: handle.outTrackId, buttons: info.actions.length }, 'DingTalk card updated');
    return { ...handle, finalized: true, buttons: info.actions.length };
  }

  private params(text: string, buttons: ActionButton[]): Record<string, string> {
    return {
      [this.options.cardContentKey]: text,
      [this.options.cardButtonsKey]: JSON.stringify(buttons.map((b) => ({ text: b.label, token: b.token, style: b.style }))),
    };
  }
}

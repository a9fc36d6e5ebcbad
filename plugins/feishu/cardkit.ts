import type { ActionButton } from '../../core/plugin';
import { buttonElement } from './card';
import { DeliveryError } from '../../core/plugin';
import type { FeishuRest } from './rest';

/** The one element a streamed card has: the answer, as markdown. */
export const ELEMENT_ID = 'answer';

/** CardKit answers: the card stopped streaming (its time limit passed, or it was turned off). */
export const STREAM_CLOSED_CODES = new Set([200850, 300309]);
/** CardKit answer: the card already took an operation with this or a later `sequence`. */
export const SEQUENCE_CODE = 300317;

/** A JSON 2.0 card with one markdown element; streaming or not. */
export function streamCard(text: string, streaming: boolean, buttons: ActionButton[] = []): string {
  return JSON.stringify({
    schema: '2.0',
    config: { streaming_mode: streaming, update_multi: true, ...(streaming ? { summary: { content: '' } } : {}) },
    body: { elements: [{ tag: 'markdown', element_id: ELEMENT_ID, content: text }, ...buttons.map(buttonElement)] },
  });
}

/** What a message shows to present card entity `cardId`. */
export const cardReference = (cardId: string): string => JSON.stringify({ type: 'card', data: { card_id: cardId } });

/**
 * The CardKit calls of a streamed answer (scope `cardkit:card:write`): create the card entity, stream
 * the full text into its element, change its settings, replace it whole. Every call on a card carries a
 * `sequence` greater than the last one it took and a `uuid`, so a call repeated after a lost answer or
 * on another replica is carried out once.
 */
export class CardKit {
  constructor(private readonly rest: FeishuRest) {}

  async create(card: string, signal?: AbortSignal): Promise<string> {
    const body = await this.rest.call<{ card_id?: string }>('create card', 'POST', '/open-apis/cardkit/v1/cards', {
      json: { type: 'card_json', data: card },
      ...(signal ? { signal } : {}),
    });
    const id = body.data?.card_id;
    if (!id) throw DeliveryError.retryable('Feishu created the card but returned no card_id');
    return id;
  }

  async content(cardId: string, text: string, sequence: number, uuid: string, signal?: AbortSignal): Promise<void> {
    await this.rest.call('stream card text', 'PUT', `${path(cardId)}/elements/${ELEMENT_ID}/content`, {
      json: { content: text, sequence, uuid },
      ...(signal ? { signal } : {}),
    });
  }

  async endStreaming(cardId: string, sequence: number, uuid: string, signal?: AbortSignal): Promise<void> {
    await this.rest.call('end card streaming', 'PATCH', `${path(cardId)}/settings`, {
      json: { settings: JSON.stringify({ config: { streaming_mode: false } }), sequence, uuid },
      ...(signal ? { signal } : {}),
    });
  }

  async replace(cardId: string, card: string, sequence: number, uuid: string, signal?: AbortSignal): Promise<void> {
    await this.rest.call('update card', 'PUT', path(cardId), {
      json: { card: { type: 'card_json', data: card }, sequence, uuid },
      ...(signal ? { signal } : {}),
    });
  }
}

const path = (cardId: string) => `/open-apis/cardkit/v1/cards/${encodeURIComponent(cardId)}`;

import { DeliveryError, type EditResult, type OutboundEnvelope, type SendInfo, type SentMessage } from '../../core/plugin';
import type { FeishuMessage } from './api';
import { withButtons } from './card';
import { cardContent, postMdContent, textContent, textPieces, markdownPieces } from './markdown';
import type { FeishuOptions } from './options';
import type { FeishuRest } from './rest';
import { isCardHandle, type Streams } from './stream';

/** What core keeps of a message sent whole: the msg_type of each piece, so an edit uses the right API. */
export interface SentHandle {
  kind: 'sent';
  msgTypes: string[];
}

/** Feishu: the message was recalled (or deleted) already. */
const RECALLED_CODE = 230011;
/** Feishu: a text or post message takes at most 20 edits. */
export const EDIT_LIMIT_CODE = 230072;
/** Feishu: this message type cannot be edited with the text/post update API. */
const NOT_EDITABLE_CODE = 230071;

const isSentHandle = (h: unknown): h is SentHandle => (h as Partial<SentHandle> | undefined)?.kind === 'sent';

/**
 * Edits and recalls of what the bot sent. A streamed answer (a card entity) goes through `Streams`. A
 * message sent whole keeps its kind: a card gets new card content (`PATCH /im/v1/messages/:id`), a text
 * or post new text or post content (`PUT /im/v1/messages/:id`, at most 20 times: Feishu's limit ends
 * in E_UNSUPPORTED). An edit of a message that went out in several pieces shows the whole snapshot in
 * the first and recalls the others.
 */
export class Edits {
  constructor(
    private readonly rest: FeishuRest,
    private readonly streams: Streams,
    private readonly options: Pick<FeishuOptions, 'maxTablesPerCard'>,
    /** Waits for room in the app's rate (50 calls per second per API). */
    private readonly appPace: (signal?: AbortSignal) => Promise<void>,
  ) {}

  async edit(env: OutboundEnvelope, target: SentMessage, info: SendInfo): Promise<EditResult> {
    if (isCardHandle(target.handle)) return { handle: await this.streams.frame(env, target.handle, info) };
    const [first, ...rest] = target.messageIds;
    if (!first) throw DeliveryError.permanent(`the message of "${target.envelope}" has no Feishu id to edit`, { code: 'E_UNSUPPORTED' });
    const sent = isSentHandle(target.handle) ? target.handle.msgTypes[0] : undefined;
    await this.appPace(info.signal);
    if (info.actions.length && sent !== undefined && sent !== 'interactive')
      throw DeliveryError.permanent(
        'Feishu cannot add buttons to a text or post message by editing it: send a new message with the buttons',
        {
          code: 'E_UNSUPPORTED',
        },
      );
    const msgType =
      sent === 'interactive'
        ? await this.patchCard(first, env, info)
        : await this.update(first, env).catch((err: DeliveryError) => {
            // A message sent before handles were kept: a card answers "not editable" here.
            if (sent === undefined && err.platformCode === NOT_EDITABLE_CODE) return this.patchCard(first, env, info);
            throw err;
          });
    for (const id of rest) await this.recall(id);
    return { handle: { kind: 'sent', msgTypes: [msgType] } satisfies SentHandle };
  }

  async delete(target: SentMessage): Promise<void> {
    const ids = isCardHandle(target.handle) ? [target.handle.messageId] : target.messageIds;
    for (const id of ids) await this.recall(id);
  }

  private async patchCard(messageId: string, env: OutboundEnvelope, info: SendInfo): Promise<string> {
    const card: FeishuMessage = {
      msgType: 'interactive',
      content: cardContent(one(markdownPieces(env.text ?? '', this.options.maxTablesPerCard), 'card')),
    };
    const { content } = info.actions.length ? withButtons(card, info.actions) : card;
    await this.rest.call('edit card', 'PATCH', messagePath(messageId), { json: { content } });
    return 'interactive';
  }

  private async update(messageId: string, env: OutboundEnvelope): Promise<string> {
    const m: FeishuMessage =
      env.format === 'markdown'
        ? { msgType: 'post', content: postMdContent(one(markdownPieces(env.text ?? '', Infinity), 'post')) }
        : { msgType: 'text', content: textContent(one(textPieces(env.text ?? ''), 'text')) };
    try {
      await this.rest.call('edit message', 'PUT', messagePath(messageId), { json: { msg_type: m.msgType, content: m.content } });
    } catch (err) {
      if ((err as DeliveryError).platformCode !== EDIT_LIMIT_CODE) throw err;
      throw DeliveryError.permanent(
        'Feishu allows at most 20 edits of a text or post message and this one has had them: send a new message instead',
        { code: 'E_UNSUPPORTED', platformCode: EDIT_LIMIT_CODE, cause: err },
      );
    }
    return m.msgType;
  }

  /** Recalls one message; one recalled already counts as recalled (a retry after a crash). */
  private async recall(messageId: string): Promise<void> {
    await this.appPace();
    await this.rest.call('recall message', 'DELETE', messagePath(messageId)).catch((err: DeliveryError) => {
      if (err.platformCode !== RECALLED_CODE) throw err;
    });
  }
}

/** The one piece an edit can show: an edit cannot split a message. */
function one(pieces: string[], kind: string): string {
  if (pieces.length === 0) throw DeliveryError.permanent('text is empty: Feishu does not show an empty message', { code: 'E_SCHEMA' });
  if (pieces.length > 1)
    throw DeliveryError.permanent(`the edited text does not fit one Feishu ${kind}: an edit cannot split a message`, {
      code: 'E_TOO_LARGE',
    });
  return pieces[0]!;
}

const messagePath = (id: string) => `/open-apis/im/v1/messages/${encodeURIComponent(id)}`;

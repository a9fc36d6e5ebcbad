import type { RawFile } from '@discordjs/rest';
import {
  DeliveryError,
  hashId,
  type ActionButton,
  type EditResult,
  type OutboundEnvelope,
  type Pacer,
  type SendInfo,
  type SentMessage,
} from '../../core/plugin';
import type { DiscordApi, MessageBody } from './api';
import type { Deferred, PendingAnswer } from './deferred';
import { messageIdOf, parseMessageId } from './ids';
import { componentsOf, nativeBody, renderPieces, type Address } from './outbound';

/** One Discord message of what an envelope created: its id, the content it shows, whether the buttons are under it. */
export interface Piece {
  id: string;
  text: string;
  buttons: boolean;
}

/** The channel's state of a sent message (kept by core with it): the channel and its pieces, in order. */
export interface MessageHandle {
  channel: string;
  pieces: Piece[];
}

/** What a stream shows before its first text (Discord refuses an empty message). */
const PLACEHOLDER = '…';
const MENTIONS = { parse: ['users'], replied_user: true };

/** The nonce of piece `i` of envelope `id`: Discord's idempotency key (25 characters at most), so a retry never posts a piece twice. */
export const nonceOf = (id: string, i: number) => hashId(i ? `${id}#${i}` : id, 25);

function handleOf(target: SentMessage): MessageHandle {
  const h = target.handle as Partial<MessageHandle> | undefined;
  if (h && typeof h.channel === 'string' && Array.isArray(h.pieces)) return h as MessageHandle;
  const ids = target.messageIds.map(parseMessageId);
  if (!ids.length) throw DeliveryError.permanent(`the message of "${target.envelope}" has no Discord id`, { code: 'E_UNSUPPORTED' });
  // Sent before handles were kept: the texts are unknown, so every piece is rewritten.
  return { channel: ids[0]!.channel, pieces: ids.map((m) => ({ id: m.message, text: '\0', buttons: true })) };
}

/**
 * Messages out: an envelope becomes one message per 2,000-character piece (buttons and files under the
 * last), each posted with a nonce and `enforce_nonce`, so a retry after a lost answer gets the piece
 * Discord already has instead of a second one. An edit (a stream's next frame too) rewrites the pieces
 * that changed, posts new ones when the text grew past a piece, and deletes those it no longer needs.
 */
export class Messages {
  constructor(
    private readonly api: DiscordApi,
    private readonly deferred: Deferred,
    private readonly streamPace: Pacer,
  ) {}

  /** Posts the envelope; the handle lists what it created. */
  async post(env: OutboundEnvelope, info: SendInfo, to: Address, files: RawFile[]): Promise<MessageHandle> {
    if (env.native) return { channel: to.channel, pieces: [await this.postNative(env, info, to)] };
    const texts = renderPieces(env);
    if (!texts.length) {
      if (!env.stream && !files.length && !info.actions.length)
        throw DeliveryError.permanent('the message is empty: give text, actions or attachments', { code: 'E_SCHEMA' });
      texts.push(env.stream ? PLACEHOLDER : '');
    }
    const pieces: Piece[] = [];
    for (let i = 0; i < texts.length; i++) {
      info.signal.throwIfAborted();
      const last = i === texts.length - 1;
      const body: MessageBody = {
        content: texts[i]!,
        allowed_mentions: MENTIONS,
        ...(last && info.actions.length ? { components: componentsOf(info.actions) } : {}),
        ...(last && files.length ? { attachments: files.map((f, n) => ({ id: n, filename: f.name })) } : {}),
      };
      const answer = i === 0 ? this.deferred.take(to.channel) : undefined;
      const m =
        (answer && (await this.fillAnswer(answer, body, last ? files : []))) ??
        (await this.api.createMessage(
          to.channel,
          {
            ...body,
            nonce: nonceOf(env.id, i),
            enforce_nonce: true,
            ...(i === 0 && to.reference ? { message_reference: { message_id: to.reference, fail_if_not_exists: false } } : {}),
          },
          last ? files : [],
          info.signal,
        ));
      pieces.push({ id: m.id, text: texts[i]!, buttons: last && info.actions.length > 0 });
    }
    return { channel: to.channel, pieces };
  }

  /** Fills in a slash command's "thinking…" answer; undefined when Discord no longer has it (10015, 10008): then a message is posted. */
  private async fillAnswer(answer: PendingAnswer, body: MessageBody, files: RawFile[]): Promise<{ id: string } | undefined> {
    try {
      return await this.api.editOriginal(answer.applicationId, answer.token, body, files);
    } catch (err) {
      if (err instanceof DeliveryError && (err.platformCode === 10015 || err.platformCode === 10008)) return undefined;
      throw err;
    }
  }

  async edit(env: OutboundEnvelope, target: SentMessage, info: SendInfo): Promise<EditResult> {
    const h = handleOf(target);
    if (target.streaming) await this.streamPace.take(target.envelope, info.signal);
    if (env.native) {
      const first = h.pieces[0]!;
      await this.api.editMessage(h.channel, first.id, this.nativeWithButtons(env, info.actions), info.signal);
      for (const p of h.pieces.slice(1)) await this.deleteOne(h.channel, p.id);
      return { handle: { channel: h.channel, pieces: [{ ...first, text: '\0', buttons: true }] } satisfies MessageHandle };
    }
    const texts = renderPieces(env);
    if (!texts.length) texts.push(env.done || !target.streaming ? '' : PLACEHOLDER);
    const pieces: Piece[] = [];
    for (let i = 0; i < texts.length; i++) {
      info.signal.throwIfAborted();
      const last = i === texts.length - 1;
      const buttons = last && info.actions.length > 0;
      const old = h.pieces[i];
      const body: MessageBody = { content: texts[i]!, allowed_mentions: MENTIONS, components: buttons ? componentsOf(info.actions) : [] };
      if (old && old.text === texts[i] && !old.buttons && !buttons) pieces.push(old);
      else if (old) {
        await this.api.editMessage(h.channel, old.id, body, info.signal);
        pieces.push({ id: old.id, text: texts[i]!, buttons });
      } else {
        const m = await this.api.createMessage(
          h.channel,
          { ...body, nonce: nonceOf(target.envelope, i), enforce_nonce: true },
          [],
          info.signal,
        );
        pieces.push({ id: m.id, text: texts[i]!, buttons });
      }
    }
    for (const p of h.pieces.slice(texts.length)) await this.deleteOne(h.channel, p.id);
    return { handle: { channel: h.channel, pieces } satisfies MessageHandle };
  }

  async delete(target: SentMessage): Promise<void> {
    const h = handleOf(target);
    for (const p of h.pieces) await this.deleteOne(h.channel, p.id);
  }

  /** Platform ids of a handle, as receipts list them. */
  static idsOf(h: MessageHandle): string[] {
    return h.pieces.map((p) => messageIdOf(h.channel, p.id));
  }

  private async postNative(env: OutboundEnvelope, info: SendInfo, to: Address): Promise<Piece> {
    const body = { ...this.nativeWithButtons(env, info.actions), nonce: nonceOf(env.id, 0), enforce_nonce: true };
    const m = await this.api.createMessage(to.channel, body, [], info.signal);
    return { id: m.id, text: '\0', buttons: true };
  }

  private nativeWithButtons(env: OutboundEnvelope, actions: ActionButton[]): MessageBody {
    const body = nativeBody(env);
    return { ...body, ...(actions.length && !body.components ? { components: componentsOf(actions) } : {}) };
  }

  /** Deletes one message; one already gone counts as deleted (a retry after a crash). */
  private async deleteOne(channel: string, id: string): Promise<void> {
    await this.api.deleteMessage(channel, id).catch((err: DeliveryError) => {
      if (err.platformCode !== 10008) throw err;
    });
  }
}

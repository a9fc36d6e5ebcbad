import type { Logger } from 'pino';
import { BoundedMap, DeliveryError, Pacer, sleep, type OutboundEnvelope, type SendInfo, type SentMessage } from '../../core/plugin';
import { TelegramApiError, type BotApi } from './api';
import { Edits, parseMessageId } from './edits';
import { isParseError, toDeliveryError } from './errors';
import { inlineKeyboard } from './keyboard';
import type { TelegramOptions } from './options';
import { planCalls, renderTexts, targetOf, type Call } from './outbound';

/**
 * What core keeps of a streamed message: `draft` while a private chat shows it as a draft
 * (`sendMessageDraft`: there is no message yet), `edit` while one message is edited in place.
 */
export type StreamHandle =
  { mode: 'draft'; chatId: string; draftId: number; threadId?: number } | { mode: 'edit'; chatId: string; messageId: number };

/** What a stream shows before its first words where it edits a message (a draft shows "Thinking…" itself). */
export const PLACEHOLDER = '…';

/** Sends calls in order, resuming after a failure part way (`key`); returns the message ids created. */
export type Deliver = (key: string, calls: Call[], signal: AbortSignal) => Promise<string[]>;

/** sendMessageDraft refusals after which the stream edits a message instead. */
const noDrafts = (err: unknown) =>
  err instanceof TelegramApiError && (err.errorCode === 404 || /TEXTDRAFT_PEER_INVALID|method not found/i.test(err.description));

/**
 * Streams on Telegram. In a private chat the frames are drafts (`sendMessageDraft`, animated, the
 * same `draft_id` for the whole stream), and `done` sends the one real message (`sendMessage`, split
 * there when past 4,096 characters). In groups, where Telegram has no drafts, the stream is one
 * message edited in place (`editMessageText`), at most one edit per `editPaceMs` per chat: Telegram
 * allows about 20 a minute in a group, and core merges the frames that wait meanwhile. A 429 is
 * honoured: the chat's frames wait out `retry_after`, and the frame is retried by core after it.
 * Frames longer than one message show their first 4,096 characters (edits) or their last piece (drafts);
 * only `done` splits.
 */
export class Streams {
  private readonly drafts: Pacer;
  private readonly edits: Pacer;
  /** Until when Telegram told a chat to wait (`retry_after`). */
  private readonly blocked = new BoundedMap<string, number>(10_000);

  constructor(
    private readonly api: BotApi,
    private readonly options: TelegramOptions,
    private readonly editor: Edits,
    private readonly deliver: Deliver,
    private readonly log: Logger,
  ) {
    this.drafts = new Pacer(1, options.draftPaceMs);
    this.edits = new Pacer(1, options.editPaceMs);
  }

  /** Opens the stream of `env`: a draft in a private chat, else a message to edit. */
  async open(env: OutboundEnvelope, info: SendInfo): Promise<{ messageIds: string[]; handle: StreamHandle }> {
    const target = targetOf(env);
    const thread = (env.native as { message_thread_id?: unknown } | undefined)?.message_thread_id;
    if (this.options.drafts && /^\d+$/.test(target.chatId)) {
      const handle: StreamHandle = {
        mode: 'draft',
        chatId: target.chatId,
        draftId: (info.sequence % 2_000_000_000) + 1,
        ...(typeof thread === 'number' ? { threadId: thread } : {}),
      };
      try {
        await this.draft(env, handle, info.signal);
        return { messageIds: [], handle };
      } catch (err) {
        if (!noDrafts(err)) throw toDeliveryError(err);
        this.log.info(
          { chatId: target.chatId, err: (err as Error).message },
          'Telegram drafts are not available here: the answer is shown by editing one message',
        );
      }
    }
    return this.openMessage(env, info);
  }

  /** The next frame of a stream (`target.handle`), the last when `env.done`. */
  async frame(env: OutboundEnvelope, target: SentMessage, info: SendInfo): Promise<{ handle?: StreamHandle; messageIds?: string[] }> {
    const handle = target.handle as StreamHandle;
    if (handle.mode === 'draft') {
      if (env.done) return { messageIds: await this.finalMessages(env, target, info) };
      try {
        await this.draft(env, handle, info.signal);
        return {};
      } catch (err) {
        if (!noDrafts(err)) throw toDeliveryError(err);
        const opened = await this.openMessage({ ...env, ...address(target) }, info);
        return opened;
      }
    }
    const texts = renderTexts(env.text ?? '', env.format, this.options.parseMode).filter((t) => t.plain.trim() !== '');
    const [first, ...rest] = texts;
    const markup = inlineKeyboard(info.actions);
    await this.wait(this.edits, handle.chatId, info.signal);
    const base = { chat_id: handle.chatId, message_id: handle.messageId };
    const own = !env.done || !rest.length ? (markup ? { reply_markup: markup } : {}) : {};
    const text = first ?? { text: PLACEHOLDER, plain: PLACEHOLDER };
    await this.guard(handle.chatId, () =>
      this.editor.call(
        'editMessageText',
        { ...base, ...own, text: text.text, ...(text.parseMode ? { parse_mode: text.parseMode } : {}) },
        { ...base, ...own, text: text.plain },
        info.signal,
      ),
    ).catch((err: unknown) => {
      throw toDeliveryError(err);
    });
    if (!env.done || !rest.length) return {};
    const id = `${handle.chatId}:${handle.messageId}`;
    const more = planCalls(
      { id: target.envelope, conversation: { id: handle.chatId }, text: env.text ?? '', ...(env.format ? { format: env.format } : {}) },
      this.options,
      markup,
    );
    const created = await this.deliver(`${target.envelope}#rest`, more.slice(1), info.signal);
    return { messageIds: [id, ...created] };
  }

  /** A stream that cannot be a draft: a message (the text so far, or `…`) with the buttons, edited by the frames. */
  private async openMessage(env: OutboundEnvelope, info: SendInfo): Promise<{ messageIds: string[]; handle: StreamHandle }> {
    const snapshot = renderTexts(env.text ?? '', env.format, this.options.parseMode).filter((t) => t.plain.trim() !== '');
    const opening: OutboundEnvelope = snapshot.length
      ? { ...env, text: env.format === 'markdown' ? (env.text ?? '') : snapshot[0]!.plain }
      : { ...env, text: PLACEHOLDER, format: 'plain' };
    const calls = planCalls(opening, this.options, inlineKeyboard(info.actions)).slice(0, 1);
    const [id] = await this.deliver(`${env.id}#open`, calls, info.signal);
    if (!id) throw DeliveryError.retryable('Telegram answered sendMessage without a message');
    const { chatId, messageId } = parseMessageId(id);
    void this.edits.take(chatId);
    return { messageIds: [id], handle: { mode: 'edit', chatId, messageId } };
  }

  /** One draft frame: the snapshot's last piece (empty: Telegram's "Thinking…"). */
  private async draft(env: OutboundEnvelope, handle: StreamHandle & { mode: 'draft' }, signal: AbortSignal): Promise<void> {
    const texts = renderTexts(env.text ?? '', env.format, this.options.parseMode).filter((t) => t.plain.trim() !== '');
    const last = texts.at(-1);
    const params = {
      chat_id: handle.chatId,
      draft_id: handle.draftId,
      ...(handle.threadId !== undefined ? { message_thread_id: handle.threadId } : {}),
    };
    await this.wait(this.drafts, handle.chatId, signal);
    await this.guard(handle.chatId, async () => {
      try {
        await this.api.call(
          'sendMessageDraft',
          { ...params, text: last?.text ?? '', ...(last?.parseMode ? { parse_mode: last.parseMode } : {}) },
          { signal },
        );
      } catch (err) {
        if (!isParseError(err) || !last) throw err;
        await this.api.call('sendMessageDraft', { ...params, text: last.plain }, { signal });
      }
    });
  }

  /** `done` of a draft: the real message(s), split if need be, buttons under the last. */
  private finalMessages(env: OutboundEnvelope, target: SentMessage, info: SendInfo): Promise<string[]> {
    const final: OutboundEnvelope = {
      id: target.envelope,
      ...address(target),
      text: env.text ?? '',
      ...(env.format ? { format: env.format } : {}),
    };
    if (env.native) final.native = env.native;
    return this.deliver(`${target.envelope}#final`, planCalls(final, this.options, inlineKeyboard(info.actions)), info.signal);
  }

  /** Waits for the chat's pace and for any `retry_after` Telegram gave it. */
  private async wait(pacer: Pacer, chatId: string, signal: AbortSignal): Promise<void> {
    const until = this.blocked.get(chatId) ?? 0;
    if (until > Date.now()) await sleep(until - Date.now(), signal);
    await pacer.take(chatId, signal);
  }

  /** Runs a call; a 429 blocks the chat's frames for `retry_after` (and goes on to core, which retries). */
  private async guard(chatId: string, call: () => Promise<void>): Promise<void> {
    try {
      await call();
    } catch (err) {
      const retryAfter = err instanceof TelegramApiError ? err.parameters.retry_after : undefined;
      if (retryAfter !== undefined) {
        this.blocked.set(chatId, Date.now() + retryAfter * 1000);
        this.log.info({ chatId, retryAfter }, 'Telegram asked to slow down: the stream waits before its next frame');
      }
      throw err;
    }
  }
}

/** Where a stream's message goes: the target of the envelope that opened it. */
function address(target: SentMessage): Pick<OutboundEnvelope, 'conversation' | 'replyTo'> {
  return {
    ...(target.conversation ? { conversation: { id: target.conversation } } : {}),
    ...(target.replyTo ? { replyTo: target.replyTo } : {}),
  };
}

import { createHash } from 'node:crypto';
import { Context, DeliveryError, Options, Pacer, SendProgress, StartError, backoff, inject, injectable, sleep } from '../../core/plugin';
import type * as plugin from '../../core/plugin';
import { BotApi, TelegramApiError, TelegramNetworkError } from './api';
import { Edits, parseMessageId, type SentHandle } from './edits';
import type { BotIdentity } from './entities';
import { isParseError, toDeliveryError } from './errors';
import { toDraft } from './inbound';
import { commandDraft, eventDrafts } from './inbound-events';
import { inlineKeyboard } from './keyboard';
import { download, mediaCalls } from './media';
import type { TelegramOptions } from './options';
import { planCalls, targetOf, type Call } from './outbound';
import { Poller, explainConflict } from './poller';
import { react } from './reactions';
import { Streams } from './stream';
import { Typing } from './typing';
import type { Message, Update, User, WebhookInfo } from './types';

interface Progress {
  done: number;
  ids: string[];
  /** The forum topic the first piece landed in (a reply in a topic): later pieces go there too. */
  threadId?: number;
}

/** Ids of the messages a call created, as `<chat_id>:<message_id>` (Telegram counts ids per chat). */
function createdIds(result: unknown, chatId: unknown): string[] {
  const one = (m: Partial<Message>) => (m.chat ? `${m.chat.id}:${m.message_id}` : `${String(chatId)}:${m.message_id}`);
  if (Array.isArray(result)) return result.filter((m) => m && typeof m === 'object' && 'message_id' in m).map(one);
  if (result && typeof result === 'object' && 'message_id' in result) return [one(result as Partial<Message>)];
  return [];
}

/** A call as it goes into the key of its delivery's progress: the file by name and size, not its bytes. */
const keyOf = (c: Call) => (c.file ? { ...c, file: { field: c.file.field, name: c.file.name, size: c.file.data.length } } : c);

/**
 * One Telegram bot over the raw Bot API. Start: `getMe` (proves the token, learns the bot's id and
 * username); then, on the one replica holding the "poll" role, remove a webhook if one is set and
 * long-poll `getUpdates`. Updates (messages, clicks, reactions, membership) are confirmed to Telegram
 * only after core stored their envelopes; a click is answered (`answerCallbackQuery`) after that too.
 *
 * Out: `sendMessage` (buttons as an inline keyboard), streams (stream.ts), edits and deletes
 * (edits.ts), reactions, typing, files as multipart uploads (media.ts).
 */
@injectable()
export class TelegramAdapter implements plugin.ChannelAdapter {
  private readonly api: BotApi;
  private bot?: BotIdentity;
  private poller?: Poller;
  /** About 30 messages a second per bot is what Telegram allows before answering 429. */
  private readonly pacer = new Pacer(30, 1050);
  /** Envelopes whose delivery stopped part way (a split text), so a retry resumes instead of repeating. */
  private readonly partial: SendProgress<Progress>;
  private readonly edits: Edits;
  private readonly streams: Streams;
  private readonly indicator: Typing;

  constructor(
    @inject(Context) private readonly ctx: plugin.PluginContext,
    @inject(Options) private readonly options: TelegramOptions,
  ) {
    this.api = new BotApi(options.token, options.apiRoot, options.requestTimeoutMs);
    this.partial = new SendProgress(ctx.store, ctx.logger);
    this.edits = new Edits(this.api, options);
    this.streams = new Streams(this.api, options, this.edits, (key, calls, signal) => this.deliverAll(key, calls, signal), ctx.logger);
    this.indicator = new Typing(this.api, ctx.logger);
  }

  async start(): Promise<void> {
    const me = await this.startCall<User>('getMe', {});
    this.bot = { id: me.id, username: me.username ?? '' };
    const privacy = !me.can_read_all_group_messages;
    this.ctx.logger.info({ botId: me.id, username: me.username, privacyMode: privacy }, 'Telegram bot identified');
    if (privacy) {
      this.ctx.logger.info(
        'privacy mode is on: in groups the bot receives only commands, @mentions and replies to its messages (turn it off with /setprivacy in @BotFather to receive every message)',
      );
    }
    // Telegram serves getUpdates to one caller per token: with several gateway replicas, one polls.
    this.ctx.exclusive('poll', (signal) => this.receive(me.username ?? '', signal));
  }

  /**
   * The receiving side, run on the replica holding the "poll" role: removes a webhook left set, proves
   * getUpdates works with a short poll, then long-polls until the role moves or the instance stops.
   * What blocks it is reported as status `failed` and tried again with backoff.
   */
  private async receive(username: string, signal: AbortSignal): Promise<void> {
    for (let failures = 0; ; failures++) {
      try {
        await this.prepareToPoll(signal);
        break;
      } catch (err) {
        if (signal.aborted) return;
        const detail = (err as Error).message;
        const retryInMs = backoff(failures + 1, { initialMs: 1000, maxMs: 60_000, jitter: 'none' });
        this.ctx.logger.error({ err: detail, retryInMs }, `Telegram long polling cannot start: ${detail}`);
        this.ctx.status('failed', detail);
        await sleep(retryInMs, signal).catch(() => undefined);
        if (signal.aborted) return;
      }
    }
    const poller = new Poller(this.api, this.options, this.ctx, (u) => this.onUpdate(u));
    this.poller = poller;
    poller.start();
    this.ctx.logger.info({ username }, 'Telegram channel connected via long polling');
    this.ctx.status('connected', `long polling as @${username}`);
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    if (this.poller === poller) this.poller = undefined;
    await poller.stop();
  }

  private async prepareToPoll(signal: AbortSignal): Promise<void> {
    const hook = await this.startCall<WebhookInfo>('getWebhookInfo', {}, signal);
    if (hook.url) {
      let host = 'unknown host';
      try {
        host = new URL(hook.url).host;
      } catch {
        // Not a URL we can read: the host stays unnamed (the path may hold a secret, so it is never logged).
      }
      this.ctx.logger.warn(
        { webhookHost: host, pendingUpdates: hook.pending_update_count },
        'a webhook is set for this bot; long polling and a webhook cannot coexist (getUpdates answers 409 Conflict), so the webhook is deleted (pending updates are kept)',
      );
      await this.startCall('deleteWebhook', { drop_pending_updates: false }, signal);
    }
    // A short poll proves getUpdates works (no other poller, no webhook) before saying connected.
    await this.startCall('getUpdates', { limit: 1, timeout: 0, allowed_updates: this.options.allowedUpdates }, signal);
  }

  async stop(): Promise<void> {
    const poller = this.poller;
    this.poller = undefined;
    await poller?.stop();
    this.indicator.close();
    this.api.close();
  }

  async send(env: plugin.OutboundEnvelope, info: plugin.SendInfo): Promise<plugin.SendResult> {
    const chatId = targetOf(env).chatId;
    this.indicator.clear(chatId);
    if (env.stream) return this.streams.open(env, info);
    const keyboard = inlineKeyboard(info.actions);
    const calls = info.attachments.length
      ? await mediaCalls(env, info.attachments, this.options, keyboard)
      : planCalls(env, this.options, keyboard);
    const messageIds = await this.deliverAll(env.id, calls, info.signal);
    const handle: SentHandle | undefined = calls[0]?.file ? { caption: true } : undefined;
    return { messageIds, ...(handle ? { handle } : {}) };
  }

  async edit(env: plugin.OutboundEnvelope, target: plugin.SentMessage, info: plugin.SendInfo): Promise<plugin.EditResult> {
    if (target.streaming) return this.streams.frame(env, target, info);
    await this.edits.edit(env, target, info.actions, info.signal);
    return {};
  }

  delete(target: plugin.SentMessage, info: plugin.SendInfo): Promise<void> {
    return this.edits.delete(target, info.signal);
  }

  react(reaction: plugin.ReactionRequest, info: plugin.SendInfo): Promise<void> {
    return react(this.api, reaction, info.signal);
  }

  async typing(target: { conversation?: string; replyTo?: string }, info: plugin.SendInfo): Promise<void> {
    const chatId = target.conversation ?? (target.replyTo ? parseMessageId(target.replyTo).chatId : undefined);
    if (!chatId) throw DeliveryError.permanent('typing needs conversation.id or replyTo', { code: 'E_SCHEMA' });
    await this.indicator.show(chatId, undefined, info.signal).catch((err: unknown) => {
      throw toDeliveryError(err);
    });
  }

  fetchMedia(request: plugin.MediaRequest, info: { signal: AbortSignal }): Promise<plugin.MediaDownload> {
    return download(this.api, request, info.signal);
  }

  /**
   * Makes the calls in order and returns the ids of the messages they created. When there are several,
   * what already went out is remembered (in NATS) under `id` and the calls' digest, so a retry on any
   * replica sends only the rest.
   */
  private async deliverAll(id: string, calls: Call[], signal: AbortSignal): Promise<string[]> {
    const key = `${id}#${createHash('sha256')
      .update(JSON.stringify(calls.map(keyOf)))
      .digest('hex')
      .slice(0, 16)}`;
    const progress = (calls.length > 1 ? await this.partial.load(key) : undefined) ?? { done: 0, ids: [] };
    try {
      for (let k = progress.done; k < calls.length; k++) {
        const call = withThread(calls[k]!, k > 0 ? progress.threadId : undefined);
        await this.pacer.take('', signal);
        const result = await this.deliver(call, signal);
        progress.ids.push(...createdIds(result, call.params.chat_id));
        progress.done = k + 1;
        const first = result as Partial<Message>;
        if (k === 0 && first?.is_topic_message && first.message_thread_id !== undefined) progress.threadId = first.message_thread_id;
        if (progress.done < calls.length) await this.partial.save(key, progress);
      }
    } catch (err) {
      // Stopping: leave the envelope to core as it is (it is offered again later).
      if (signal.aborted) throw err;
      const failure = toDeliveryError(err);
      if (!failure.retryable) await this.partial.clear(key);
      throw failure;
    }
    await this.partial.clear(key);
    return progress.ids;
  }

  /** One call; refused markup is sent again as plain text, a migrated group at its new id. */
  private async deliver(call: Call, signal: AbortSignal, migrated = false): Promise<unknown> {
    try {
      return call.file
        ? await this.api.upload(call.method, call.params, call.file, { signal })
        : await this.api.call(call.method, call.params, { signal });
    } catch (err) {
      if (call.fallback && isParseError(err)) {
        this.ctx.logger.warn({ description: err.description }, 'Telegram refused the markup; sending the text as plain text');
        return this.deliver({ method: call.method, params: call.fallback, ...(call.file ? { file: call.file } : {}) }, signal, migrated);
      }
      const to = err instanceof TelegramApiError ? err.parameters.migrate_to_chat_id : undefined;
      if (to !== undefined && !migrated) {
        this.ctx.logger.warn(
          { from: call.params.chat_id, to },
          'the group became a supergroup with a new chat id; sending there (agents should use the new conversation.id)',
        );
        const move = (p: Record<string, unknown>) => ({ ...p, chat_id: String(to) });
        return this.deliver(
          {
            method: call.method,
            params: move(call.params),
            ...(call.fallback ? { fallback: move(call.fallback) } : {}),
            ...(call.file ? { file: call.file } : {}),
          },
          signal,
          true,
        );
      }
      throw err;
    }
  }

  /**
   * An update into core: an event (click, reaction, membership), a command, or a message. A message
   * that opens with a command for this bot is published as a `command`; when the instance's `events:`
   * leave commands out, as the message it is. A click is answered once its event is stored (or refused).
   */
  private async onUpdate(update: Update): Promise<void> {
    const events = eventDrafts(update, this.bot!);
    if (typeof events === 'string') return this.ctx.logger.debug({ updateId: update.update_id }, `Telegram update skipped: ${events}`);
    if (events) {
      for (const event of events) await this.ctx.publish(event);
      if (update.callback_query) await this.answer(String((update.callback_query as { id: unknown }).id));
      return;
    }
    const draft = toDraft(update, this.bot!);
    if ('skip' in draft) {
      this.ctx.logger.debug({ updateId: update.update_id }, `Telegram update skipped: ${draft.skip}`);
      return;
    }
    const command = update.message ? commandDraft(update, update.message, this.bot!) : undefined;
    if (command && (await this.publishCommand(command)) !== 'ignored') return;
    await this.ctx.publish(draft);
  }

  /** Publishes a command; 'ignored' when the instance does not publish commands (the message goes instead). */
  private async publishCommand(command: plugin.Draft): Promise<string> {
    const result = await this.ctx.publish(command);
    return result.outcome === 'ignored' && /is not in events/.test(result.reason ?? '') ? 'ignored' : result.outcome;
  }

  /** Ends the click's spinner in the user's app. A late answer (Telegram waits about 15 s) is logged, not retried. */
  private async answer(queryId: string): Promise<void> {
    try {
      await this.api.call('answerCallbackQuery', { callback_query_id: queryId }, { signal: this.ctx.signal });
    } catch (err) {
      this.ctx.logger.warn({ queryId, err: (err as Error).message }, `Telegram click not answered: ${(err as Error).message}`);
    }
  }

  /** A call made while starting, its failure worded for the operator. */
  private async startCall<T>(method: string, params: Record<string, unknown>, signal = this.ctx.signal): Promise<T> {
    try {
      return await this.api.call<T>(method, params, { signal });
    } catch (err) {
      if (err instanceof TelegramApiError) {
        if (err.errorCode === 401) throw new StartError(`Unauthorized: check token from @BotFather (${method} answered 401)`);
        if (err.errorCode === 404)
          throw new StartError(
            `Not Found: the Bot API at ${this.options.apiRoot} does not know this token; check token from @BotFather and apiRoot`,
          );
        if (err.errorCode === 409) throw new StartError(explainConflict(err.description));
        throw new StartError(`${method} failed: ${err.errorCode} ${err.description}`);
      }
      if (err instanceof TelegramNetworkError) {
        const hint = 'check DNS, proxy and firewall for the Bot API host, and apiRoot';
        throw new StartError(`cannot reach the Bot API at ${this.options.apiRoot}: ${err.message}`, hint);
      }
      throw err;
    }
  }
}

/** Later pieces of a reply that landed in a forum topic go to that topic too. */
function withThread(call: Call, threadId: number | undefined): Call {
  if (threadId === undefined || 'message_thread_id' in call.params) return call;
  return {
    ...call,
    params: { ...call.params, message_thread_id: threadId },
    ...(call.fallback ? { fallback: { ...call.fallback, message_thread_id: threadId } } : {}),
  };
}

/** The Bot API methods the emulator answers, with Telegram's validation order and descriptions. */
import { MarkupError, trimParsed, type Parsed } from './markup';
import { parseHtml } from './markup-html';
import { parseMarkdownLegacy, parseMarkdownV2 } from './markup-markdown';
import type { CallContext, MethodHandler } from './server';
import type { FileStore, StoredFile } from './files';
import { mediaMethods } from './methods-media';
import { editMethods } from './methods-edit';
import { interactiveMethods } from './methods-interactive';
import { inlineKeyboard } from './keyboard';
import type { EmulatorConfig, Message, PollRecord, Records, SentRecord } from './types';
import { conflict, type Answer } from './updates';
import { shallow, type BotState, type ChatState, type World } from './world';

export interface MethodDeps {
  world: World;
  files: FileStore;
  config: EmulatorConfig;
  records: Records;
  onPoll(record: PollRecord): void;
  onSent(record: SentRecord): void;
}

export const bad = (what: string, parameters?: { migrate_to_chat_id: number }): Answer => ({
  ok: false,
  error_code: 400,
  description: `Bad Request: ${what}`,
  ...(parameters ? { parameters } : {}),
});
export const forbidden = (what: string): Answer => ({ ok: false, error_code: 403, description: `Forbidden: ${what}` });
export const ok = (result: unknown, description?: string): Answer => ({ ok: true, result, ...(description ? { description } : {}) });
export const isAnswer = (x: unknown): x is Answer => !!x && typeof x === 'object' && 'ok' in x;

/** A parameter that may come as a JSON string (query, form) or as a value (JSON body). */
export function json(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
export const int = (v: unknown): number | undefined => (v === undefined || v === '' || v === null ? undefined : Number(v));
export const bool = (v: unknown) => v === true || v === 'true' || v === '1';

const ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

/** Text or caption with its parse mode applied, trimmed and checked against the limit. */
export function compose(params: Record<string, unknown>, field: 'text' | 'caption', limit: number): Parsed | Answer {
  const raw = params[field];
  if (raw === undefined || raw === null || String(raw) === '')
    return field === 'text' ? bad('message text is empty') : { text: '', entities: [] };
  const source = String(raw);
  let parsed: Parsed;
  const mode = params.parse_mode === undefined ? '' : String(params.parse_mode).toLowerCase();
  try {
    if (mode === 'html') parsed = parseHtml(source);
    else if (mode === 'markdownv2') parsed = parseMarkdownV2(source);
    else if (mode === 'markdown') parsed = parseMarkdownLegacy(source);
    else if (mode === '') {
      const given = json(params[field === 'text' ? 'entities' : 'caption_entities']);
      parsed = { text: source, entities: Array.isArray(given) ? (given as Parsed['entities']) : [] };
    } else return bad('unsupported parse_mode');
  } catch (err) {
    if (err instanceof MarkupError) return bad(`can't parse entities: ${err.message}`);
    throw err;
  }
  parsed = trimParsed(parsed);
  if (!parsed.text && field === 'text') return bad('message text is empty');
  if (parsed.text.length > limit) return bad(field === 'text' ? 'message is too long' : 'message caption is too long');
  return parsed;
}

/** The chat a bot may write to, or why not. */
export function writableChat(bot: BotState, chatId: unknown): ChatState | Answer {
  if (chatId === undefined || chatId === null || chatId === '') return bad('chat_id is empty');
  const id = String(chatId);
  const chat = /^-?\d+$/.test(id)
    ? bot.chats.get(Number(id))
    : [...bot.chats.values()].find((c) => c.chat.username && `@${c.chat.username}` === id);
  if (!chat) return bad('chat not found');
  if (chat.migratedTo !== undefined) return bad('group chat was upgraded to a supergroup chat', { migrate_to_chat_id: chat.migratedTo });
  if (chat.chat.type === 'private') {
    if (bot.blockedBy.has(chat.chat.id)) return forbidden('bot was blocked by the user');
    if (!bot.startedBy.has(chat.chat.id)) return forbidden("bot can't initiate conversation with a user");
  }
  if (chat.kicked) return forbidden(`bot was kicked from the ${chat.chat.type === 'supergroup' ? 'supergroup' : 'group'} chat`);
  return chat;
}

/** The topic and the replied-to message of a new message. */
function placement(bot: BotState, chat: ChatState, params: Record<string, unknown>): { thread?: number; reply?: Message } | Answer {
  let thread = int(params.message_thread_id);
  if (thread !== undefined && (!chat.chat.is_forum || !chat.topics.has(thread))) return bad('message thread not found');
  const rp = json(params.reply_parameters) as
    { message_id?: unknown; chat_id?: unknown; allow_sending_without_reply?: unknown } | undefined;
  const replyId = int(rp?.message_id ?? params.reply_to_message_id);
  if (replyId === undefined) return { ...(thread !== undefined ? { thread } : {}) };
  const allow = bool(rp?.allow_sending_without_reply ?? params.allow_sending_without_reply);
  const replyChat = rp?.chat_id !== undefined ? bot.chats.get(Number(rp.chat_id)) : chat;
  const reply = replyChat?.messages.get(replyId);
  if (!reply) return allow ? { ...(thread !== undefined ? { thread } : {}) } : bad('message to be replied not found');
  // A reply to a message in a topic lands in that topic.
  if (thread === undefined && replyChat === chat && reply.is_topic_message) thread = reply.message_thread_id;
  return { ...(thread !== undefined ? { thread } : {}), reply };
}

/** A new message of the bot in the chat `params.chat_id` names (topic, reply and markup checked), recorded as sent. */
export type Post = (
  ctx: CallContext,
  content: Record<string, unknown>,
  parsed: Parsed,
  field: 'text' | 'caption',
  file?: StoredFile,
) => Answer;

export function poster(deps: MethodDeps): Post {
  const { world } = deps;
  return (ctx, content, parsed, field, file) => {
    const { bot, params } = ctx;
    const chat = writableChat(bot, params.chat_id);
    if (isAnswer(chat)) return chat;
    const place = placement(bot, chat, params);
    if (isAnswer(place)) return place;
    const markup = inlineKeyboard(params.reply_markup);
    if (isAnswer(markup)) return markup;
    const fields: Record<string, unknown> = { from: bot.user, ...content };
    if (markup) fields.reply_markup = markup;
    if (parsed.text) fields[field] = parsed.text;
    if (parsed.entities.length) fields[field === 'text' ? 'entities' : 'caption_entities'] = parsed.entities;
    if (place.thread !== undefined) {
      fields.message_thread_id = place.thread;
      fields.is_topic_message = true;
    }
    const replyTo = place.reply ?? (place.thread !== undefined ? chat.messages.get(place.thread) : undefined);
    if (replyTo) fields.reply_to_message = shallow(replyTo);
    const message = world.addMessage(chat, fields as never);
    // The message the draft was a preview of replaces it.
    delete chat.draft;
    deps.onSent({
      botId: bot.user.id,
      method: ctx.method,
      chatId: chat.chat.id,
      messageId: message.message_id,
      text: parsed.text,
      entities: parsed.entities,
      ...(params.parse_mode !== undefined ? { parseMode: String(params.parse_mode) } : {}),
      ...(place.thread !== undefined ? { threadId: place.thread } : {}),
      ...(place.reply ? { replyTo: place.reply.message_id } : {}),
      params,
      message,
      ...(file
        ? {
            file: {
              fileId: file.fileId,
              size: file.data.length,
              sha256: file.sha256,
              mime: file.mime,
              ...(file.name ? { name: file.name } : {}),
            },
          }
        : {}),
      at: Date.now(),
    });
    return ok(message);
  };
}

export function methods(deps: MethodDeps): Record<string, MethodHandler> {
  const post = poster(deps);

  return {
    getme: ({ bot }) => ok(bot.user),
    getupdates: (ctx) => {
      const { bot, params } = ctx;
      if (bot.webhook)
        return conflict("can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
      const offset = int(params.offset);
      const limit = Math.min(100, Math.max(1, int(params.limit) ?? 100));
      const timeout = Math.max(0, int(params.timeout) ?? 0);
      const allowed = json(params.allowed_updates);
      if (Array.isArray(allowed)) bot.queue.allowed = allowed.map(String);
      if (offset) bot.queue.confirm(offset);
      const record: PollRecord = {
        botId: bot.user.id,
        ...(offset !== undefined ? { offset } : {}),
        timeout,
        limit,
        startedAt: Date.now(),
        updateIds: [],
      };
      deps.onPoll(record);
      ctx.onAbandon(() => bot.queue.abandoned(record));
      return bot.queue.poll(record, limit, timeout, () => ctx.drop());
    },
    getwebhookinfo: ({ bot }) =>
      ok(
        bot.webhook
          ? {
              url: bot.webhook.url,
              has_custom_certificate: false,
              pending_update_count: bot.queue.pending().length,
              max_connections: bot.webhook.maxConnections,
              ip_address: '149.154.167.220',
              ...(bot.webhook.allowedUpdates ? { allowed_updates: bot.webhook.allowedUpdates } : {}),
            }
          : { url: '', has_custom_certificate: false, pending_update_count: bot.queue.pending().length },
      ),
    setwebhook: ({ bot, params }) => {
      const url = params.url === undefined ? '' : String(params.url);
      if (!url) {
        const had = !!bot.webhook;
        delete bot.webhook;
        return ok(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
      }
      if (!/^https:\/\/[^\s/]+/i.test(url)) return bad('bad webhook: An HTTPS URL must be provided for webhook');
      const allowed = json(params.allowed_updates);
      bot.webhook = {
        url,
        maxConnections: int(params.max_connections) ?? 40,
        ...(Array.isArray(allowed) ? { allowedUpdates: allowed.map(String) } : {}),
      };
      if (Array.isArray(allowed)) bot.queue.allowed = allowed.map(String);
      bot.queue.terminate(conflict('terminated by setWebhook request'));
      return ok(true, 'Webhook was set');
    },
    deletewebhook: ({ bot, params }) => {
      const had = !!bot.webhook;
      delete bot.webhook;
      if (bool(params.drop_pending_updates)) bot.queue.clear();
      return ok(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
    },
    sendchataction: ({ bot, params }) => {
      const chat = writableChat(bot, params.chat_id);
      if (isAnswer(chat)) return chat;
      if (!ACTIONS.has(String(params.action ?? ''))) return bad('wrong parameter action in request');
      deps.records.chatActions.push({ botId: bot.user.id, chatId: chat.chat.id, action: String(params.action), at: Date.now() });
      return ok(true);
    },
    sendmessage: (ctx) => {
      const parsed = compose(ctx.params, 'text', 4096);
      return isAnswer(parsed) ? parsed : post(ctx, {}, parsed, 'text');
    },
    ...mediaMethods(deps, post),
    ...editMethods(deps),
    ...interactiveMethods(deps),
  };
}

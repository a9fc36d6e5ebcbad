/** Changing what the bot sent: edits (with the per-group pace), deletes (48 h), and drafts (private chats). */
import { bad, compose, int, isAnswer, ok, writableChat, type MethodDeps } from './methods';
import { inlineKeyboard, sameMarkup } from './keyboard';
import type { CallContext, MethodHandler } from './server';
import type { Answer } from './updates';
import type { ChatState } from './world';
import type { Message } from './types';

const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';
/** Bots may delete messages for everyone only within 48 hours. */
const DELETE_WINDOW_S = 48 * 3600;

const tooMany = (retryAfter: number): Answer => ({
  ok: false,
  error_code: 429,
  description: `Too Many Requests: retry after ${retryAfter}`,
  parameters: { retry_after: retryAfter },
});

export function editMethods(deps: MethodDeps): Record<string, MethodHandler> {
  const { config, records } = deps;

  /** The bot's own message an edit names, or Telegram's refusal. */
  function target(ctx: CallContext, verb: 'edit' | 'delete'): { chat: ChatState; message: Message } | Answer {
    const chat = writableChat(ctx.bot, ctx.params.chat_id);
    if (isAnswer(chat)) return chat;
    const id = int(ctx.params.message_id);
    if (id === undefined) return bad('message identifier is not specified');
    const message = chat.messages.get(id);
    if (!message || message.deleted) return bad(`message to ${verb} not found`);
    if (verb === 'edit' && message.from?.id !== ctx.bot.user.id) return bad("message can't be edited");
    return { chat, message };
  }

  /** Groups take about 20 edits a minute from a bot: past that, 429 with the seconds until the next fits. */
  function paced(chat: ChatState): Answer | undefined {
    if (chat.chat.type === 'private') return undefined;
    const now = Date.now();
    const recent = chat.edits.filter((t) => now - t < config.groupEdits.windowMs);
    chat.edits = recent;
    if (recent.length < config.groupEdits.limit) {
      recent.push(now);
      return undefined;
    }
    return tooMany(Math.max(1, Math.ceil((config.groupEdits.windowMs - (now - recent[0]!)) / 1000)));
  }

  function edit(ctx: CallContext, field: 'text' | 'caption' | undefined): Answer {
    const found = target(ctx, 'edit');
    if (isAnswer(found)) return found;
    const { chat, message } = found;
    const markup = inlineKeyboard(ctx.params.reply_markup);
    if (isAnswer(markup)) return markup;
    const next: Message = { ...message };
    if (field === 'text') {
      if (message.text === undefined) return bad('there is no text in the message to edit');
      const parsed = compose(ctx.params, 'text', 4096);
      if (isAnswer(parsed)) return parsed;
      next.text = parsed.text;
      if (parsed.entities.length) next.entities = parsed.entities;
      else delete next.entities;
    } else if (field === 'caption') {
      if (message.text !== undefined) return bad('there is no caption in the message to edit');
      const parsed = compose(ctx.params, 'caption', 1024);
      if (isAnswer(parsed)) return parsed;
      if (parsed.text) next.caption = parsed.text;
      else delete next.caption;
      if (parsed.entities.length) next.caption_entities = parsed.entities;
      else delete next.caption_entities;
    }
    // An edit without reply_markup takes the inline keyboard off.
    if (markup) next.reply_markup = markup;
    else delete next.reply_markup;
    const same =
      next.text === message.text &&
      next.caption === message.caption &&
      JSON.stringify(next.entities ?? next.caption_entities ?? []) === JSON.stringify(message.entities ?? message.caption_entities ?? []) &&
      sameMarkup(next.reply_markup, message.reply_markup);
    if (same) return bad(NOT_MODIFIED);
    const limited = paced(chat);
    if (limited) return limited;
    next.edit_date = Math.floor(Date.now() / 1000);
    chat.messages.set(message.message_id, next);
    records.edits.push({
      botId: ctx.bot.user.id,
      method: ctx.method,
      chatId: chat.chat.id,
      messageId: message.message_id,
      text: next.text ?? next.caption ?? '',
      at: Date.now(),
    });
    return ok(next);
  }

  return {
    editmessagetext: (ctx) => edit(ctx, 'text'),
    editmessagecaption: (ctx) => edit(ctx, 'caption'),
    editmessagereplymarkup: (ctx) => edit(ctx, undefined),
    deletemessage: (ctx) => {
      const found = target(ctx, 'delete');
      if (isAnswer(found)) return found;
      const { chat, message } = found;
      const mine = message.from?.id === ctx.bot.user.id;
      if (!mine && chat.chat.type !== 'private') return bad("message can't be deleted");
      if (Date.now() / 1000 - message.date > DELETE_WINDOW_S) return bad("message can't be deleted for everyone");
      chat.messages.set(message.message_id, { ...message, deleted: true });
      records.deletes.push({ botId: ctx.bot.user.id, chatId: chat.chat.id, messageId: message.message_id, at: Date.now() });
      return ok(true);
    },
    sendmessagedraft: (ctx) => {
      const chat = writableChat(ctx.bot, ctx.params.chat_id);
      if (isAnswer(chat)) return chat;
      if (chat.chat.type !== 'private') return bad('TEXTDRAFT_PEER_INVALID');
      const draftId = int(ctx.params.draft_id);
      if (!draftId || !Number.isInteger(draftId)) return bad('draft_id must be non-zero');
      const text = ctx.params.text;
      const parsed = text === undefined || text === '' ? { text: '', entities: [] } : compose(ctx.params, 'text', 4096);
      if (isAnswer(parsed)) return parsed;
      chat.draft = { draftId, text: parsed.text, until: Date.now() + config.draftTtlMs };
      records.drafts.push({
        botId: ctx.bot.user.id,
        chatId: chat.chat.id,
        draftId,
        text: parsed.text,
        entities: parsed.entities,
        at: Date.now(),
      });
      return ok(true);
    },
  };
}

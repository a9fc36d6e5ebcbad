/** Answering clicks and setting the bot's reactions. */
import { bad, int, isAnswer, json, ok, writableChat, type MethodDeps } from './methods';
import type { MethodHandler } from './server';
import type { ReactionType } from './types';

const TOO_OLD = 'query is too old and response timeout expired or query ID is invalid';

/** The emoji a reaction may use (Telegram's list of `ReactionTypeEmoji`). */
export const REACTION_EMOJI = new Set(
  (
    '👍 👎 ❤ 🔥 🥰 👏 😁 🤔 🤯 😱 🤬 😢 🎉 🤩 🤮 💩 🙏 👌 🕊 🤡 🥱 🥴 😍 🐳 ❤‍🔥 🌚 🌭 💯 🤣 ⚡ 🍌 🏆 💔 🤨 😐 🍓 🍾 💋 🖕 😈 😴 😭 🤓 👻 ' +
    '👨‍💻 👀 🎃 🙈 😇 😨 🤝 ✍ 🤗 🫡 🎅 🎄 ☃ 💅 🤪 🗿 🆒 💘 🙉 🦄 😘 💊 🙊 😎 👾 🤷‍♂ 🤷 🤷‍♀ 😡'
  ).split(' '),
);

export function interactiveMethods(deps: MethodDeps): Record<string, MethodHandler> {
  const { records, config } = deps;
  return {
    answercallbackquery: ({ bot, params }) => {
      const id = params.callback_query_id === undefined ? '' : String(params.callback_query_id);
      if (!id) return bad('callback_query_id is empty');
      const query = records.callbacks.find((c) => c.id === id && c.botId === bot.user.id);
      if (!query || query.answeredAt !== undefined || Date.now() - query.clickedAt > config.callbackTimeoutMs) {
        if (query) query.lateAnswers++;
        return bad(TOO_OLD);
      }
      const text = params.text === undefined ? undefined : String(params.text);
      if (text !== undefined && text.length > 200) return bad('MESSAGE_TOO_LONG');
      query.answeredAt = Date.now();
      query.answer = {
        ...(text !== undefined ? { text } : {}),
        ...(params.show_alert !== undefined ? { show_alert: !!params.show_alert } : {}),
      };
      return ok(true);
    },
    setmessagereaction: ({ bot, params }) => {
      const chat = writableChat(bot, params.chat_id);
      if (isAnswer(chat)) return chat;
      const id = int(params.message_id);
      const message = id === undefined ? undefined : chat.messages.get(id);
      if (!message || message.deleted) return bad('MESSAGE_ID_INVALID');
      const given = json(params.reaction);
      const reaction = (Array.isArray(given) ? given : given === undefined ? [] : [given]) as ReactionType[];
      // A bot sets at most one reaction per message.
      if (reaction.length > 1) return bad('REACTIONS_TOO_MANY');
      for (const r of reaction) {
        if (r?.type !== 'emoji' || typeof r.emoji !== 'string' || !REACTION_EMOJI.has(r.emoji)) return bad('REACTION_INVALID');
      }
      const on = chat.reactions.get(message.message_id) ?? new Map<number, ReactionType[]>();
      if (reaction.length) on.set(bot.user.id, reaction);
      else on.delete(bot.user.id);
      chat.reactions.set(message.message_id, on);
      records.reactions.push({ botId: bot.user.id, chatId: chat.chat.id, messageId: message.message_id, reaction, at: Date.now() });
      return ok(true);
    },
  };
}

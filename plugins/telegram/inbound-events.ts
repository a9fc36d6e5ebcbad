import type { ActionDraft, CommandDraft, Draft, MemberDraft, ReactionDraft } from '../../core/plugin';
import type { BotIdentity } from './entities';
import { neutralEmoji } from './reactions';
import type { Chat, Message, Update, User } from './types';

interface ReactionType {
  type: string;
  emoji?: string;
  custom_emoji_id?: string;
}

interface CallbackQuery {
  id: string;
  from: User;
  message?: Message;
  data?: string;
}

interface MessageReaction {
  chat: Chat;
  message_id: number;
  user?: User;
  actor_chat?: Chat;
  date: number;
  old_reaction: ReactionType[];
  new_reaction: ReactionType[];
}

interface ChatMemberUpdated {
  chat: Chat;
  from: User;
  date: number;
  old_chat_member: { status: string; user: User };
  new_chat_member: { status: string; user: User };
}

const name = (u: User) => [u.first_name, u.last_name].filter(Boolean).join(' ') || u.username;
const sender = (u: User) => {
  const n = name(u);
  return { id: String(u.id), kind: u.is_bot ? ('bot' as const) : ('user' as const), ...(n ? { name: n } : {}) };
};
const conversation = (chat: Chat, threadId?: number) => ({
  id: String(chat.id),
  type: chat.type === 'private' ? ('direct' as const) : ('group' as const),
  ...(threadId !== undefined ? { thread: String(threadId) } : {}),
  ...(chat.title ? { name: chat.title } : {}),
});
const at = (date: number) => new Date(date * 1000);
const emojiOf = (r: ReactionType) =>
  r.type === 'emoji' ? neutralEmoji(r.emoji ?? '') : r.type === 'custom_emoji' ? `custom:${r.custom_emoji_id}` : r.type;

/** A click on an inline keyboard button: the button's `callback_data` is core's token; the key is the update id. */
export function actionDraft(update: Update, q: CallbackQuery): ActionDraft | string {
  const m = q.message;
  if (!m || !m.chat) return 'a click on a message the bot cannot see (inline mode or too old)';
  if (!q.data) return 'a click without callback_data (a game button)';
  return {
    kind: 'action',
    eventKey: String(update.update_id),
    token: q.data,
    messageId: `${m.chat.id}:${m.message_id}`,
    conversation: conversation(m.chat, m.is_topic_message ? m.message_thread_id : undefined),
    sender: sender(q.from),
    raw: update,
  };
}

/** What changed in a user's reactions: one draft per emoji added or taken off. */
export function reactionDrafts(update: Update, r: MessageReaction): ReactionDraft[] | string {
  const who = r.user ? sender(r.user) : r.actor_chat ? { id: String(r.actor_chat.id), kind: 'user' as const } : undefined;
  if (!who) return 'a reaction without a user';
  const key = (e: ReactionType) => JSON.stringify([e.type, e.emoji ?? e.custom_emoji_id]);
  const old = new Set(r.old_reaction.map(key));
  const now = new Set(r.new_reaction.map(key));
  const changes = [
    ...r.new_reaction.filter((e) => !old.has(key(e))).map((e) => ({ e, added: true })),
    ...r.old_reaction.filter((e) => !now.has(key(e))).map((e) => ({ e, added: false })),
  ];
  if (!changes.length) return 'no reaction changed';
  return changes.map(({ e, added }, i) => ({
    kind: 'reaction',
    eventKey: changes.length > 1 ? `${update.update_id}.${i}` : String(update.update_id),
    emoji: emojiOf(e),
    messageId: `${r.chat.id}:${r.message_id}`,
    added,
    conversation: conversation(r.chat),
    sender: who,
    time: at(r.date),
    raw: update,
  }));
}

const IN = new Set(['member', 'administrator', 'creator', 'restricted']);

/** The bot added to or removed from a chat (`my_chat_member`). */
export function memberDraft(update: Update, m: ChatMemberUpdated, bot: BotIdentity): MemberDraft | string {
  if (m.new_chat_member.user.id !== bot.id) return 'a member change of another user';
  const was = IN.has(m.old_chat_member.status);
  const is = IN.has(m.new_chat_member.status);
  if (was === is) return `the bot's rights changed (${m.old_chat_member.status} → ${m.new_chat_member.status})`;
  if (m.chat.type === 'private') return is ? 'the user unblocked the bot' : 'the user blocked the bot';
  return {
    kind: 'member',
    eventKey: String(update.update_id),
    change: is ? 'bot_added' : 'bot_removed',
    users: [String(bot.id)],
    conversation: conversation(m.chat),
    sender: sender(m.from),
    time: at(m.date),
    raw: update,
  };
}

/**
 * A message that opens with a command for this bot (`/deploy prod`, `/deploy@this_bot prod`; a bare
 * command in a group is for every bot there) as a `command` event: name without the slash, the rest
 * as args. Undefined when the message is not one.
 */
export function commandDraft(update: Update, m: Message, bot: BotIdentity): CommandDraft | undefined {
  const text = m.text;
  const e = (m.entities ?? []).find((x) => x.type === 'bot_command' && x.offset === 0);
  if (!text || !e || !m.from) return undefined;
  const [cmd, to] = text.slice(1, e.length).split('@') as [string, string | undefined];
  if (to !== undefined && to.toLowerCase() !== bot.username.toLowerCase()) return undefined;
  return {
    kind: 'command',
    eventKey: String(update.update_id),
    name: cmd,
    args: text.slice(e.length).trim(),
    conversation: conversation(m.chat, m.is_topic_message ? m.message_thread_id : undefined),
    sender: sender(m.from),
    time: at(m.date),
    raw: update,
  };
}

/** The event an update carries, a reason to skip it, or undefined for a message (inbound.ts). */
export function eventDrafts(update: Update, bot: BotIdentity): Draft[] | string | undefined {
  if (update.callback_query) {
    const d = actionDraft(update, update.callback_query as CallbackQuery);
    return typeof d === 'string' ? d : [d];
  }
  if (update.message_reaction) return reactionDrafts(update, update.message_reaction as MessageReaction);
  if (update.my_chat_member) {
    const d = memberDraft(update, update.my_chat_member as ChatMemberUpdated, bot);
    return typeof d === 'string' ? d : [d];
  }
  return undefined;
}

/** What users do besides writing, as the updates Telegram sends for it: clicks, reactions, bot added/removed, files. */
import { randomBytes } from 'node:crypto';
import type { FileStore } from './files';
import { PREFIX, type Media } from './messages';
import type { Chat, Message, CallbackRecord, ReactionType, Records, Update, User } from './types';
import type { UpdateType } from './updates';
import { shallow, type BotState, type World } from './world';

type Push = (bot: BotState, type: UpdateType, payload: Message | Record<string, unknown>) => { update?: Update };
type BotRef = { id: number } | number;
type ChatRef = Chat | number;

const chatId = (c: ChatRef) => (typeof c === 'number' ? c : c.id);

export class Interactions {
  constructor(
    private readonly world: World,
    private readonly files: FileStore,
    private readonly records: Records,
    private readonly push: Push,
  ) {}

  /** Gives a user's media message real bytes: its file ids become ones `getFile` knows. */
  attach(bot: BotState, fields: Record<string, unknown>, file: { data: Buffer; mime?: string; name?: string }): void {
    const kind = (Object.keys(PREFIX) as Array<Media['type']>).find((k) => k in fields);
    if (!kind) throw new Error('TelegramEmulator: `file` needs `media`');
    const give = (obj: Record<string, unknown>) => {
      const mime = file.mime ?? String(obj.mime_type ?? (kind === 'photo' ? 'image/jpeg' : 'application/octet-stream'));
      const stored = this.files.put(bot.user.id, kind, PREFIX[kind], file.data, mime, file.name ?? (obj.file_name as string | undefined));
      Object.assign(obj, { file_id: stored.fileId, file_unique_id: stored.uniqueId, file_size: file.data.length });
      if (file.mime && 'mime_type' in obj) obj.mime_type = file.mime;
      if (file.name && 'file_name' in obj) obj.file_name = file.name;
    };
    const value = fields[kind];
    if (Array.isArray(value)) value.forEach((size) => give(size as Record<string, unknown>));
    else give(value as Record<string, unknown>);
    // An animation also carries the same file as `document`.
    if (kind === 'animation' && fields.document)
      Object.assign(fields.document as object, { file_id: (value as { file_id: string }).file_id });
  }

  /**
   * A user presses a button of the bot's message: a `callback_query` update with the button's
   * `callback_data` (or `data`, for a forged click). The click must be answered (answerCallbackQuery)
   * within the emulator's `callbackTimeoutMs`.
   */
  click(
    bot: BotRef,
    chat: ChatRef,
    messageId: number,
    opts: { from: User; label?: string; data?: string },
  ): { id: string; record: CallbackRecord; update?: Update } {
    const b = this.bot(bot);
    const c = this.world.chat(b, chatId(chat));
    const message = c.messages.get(messageId);
    if (!message || message.deleted) throw new Error(`TelegramEmulator: no message ${messageId} in chat ${c.chat.id}`);
    let data = opts.data;
    if (data === undefined) {
      const button = (message.reply_markup?.inline_keyboard ?? []).flat().find((x) => x.text === opts.label);
      if (!button?.callback_data) throw new Error(`TelegramEmulator: no button "${opts.label}" under message ${messageId}`);
      data = button.callback_data;
    }
    const id = `${BigInt(b.user.id) * 1000n + BigInt(this.records.callbacks.length)}${randomBytes(3).readUIntBE(0, 3)}`;
    const record: CallbackRecord = {
      id,
      botId: b.user.id,
      chatId: c.chat.id,
      messageId,
      data,
      from: opts.from,
      clickedAt: Date.now(),
      lateAnswers: 0,
    };
    this.records.callbacks.push(record);
    const query = {
      id,
      from: opts.from,
      message: shallow(message),
      chat_instance: String(BigInt.asIntN(64, BigInt(c.chat.id) * 7919n)),
      data,
    };
    return { id, record, ...this.push(b, 'callback_query', query) };
  }

  /** Resolves once the bot answered the click (or rejects after `timeoutMs`). */
  async answered(id: string, timeoutMs = 10_000): Promise<CallbackRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.records.callbacks.find((x) => x.id === id);
      if (r?.answeredAt !== undefined) return r;
      if (Date.now() > deadline) throw new Error(`TelegramEmulator: callback query ${id} not answered within ${timeoutMs} ms`);
      await new Promise((res) => setTimeout(res, 10));
    }
  }

  /**
   * A user sets their reactions on a message (an empty list takes them off): a `message_reaction`
   * update with the old and new reactions, sent only when the bot asked for it in allowed_updates.
   */
  react(bot: BotRef, chat: ChatRef, messageId: number, from: User, emoji: string[]): { update?: Update } {
    const b = this.bot(bot);
    const c = this.world.chat(b, chatId(chat));
    if (!c.messages.has(messageId)) throw new Error(`TelegramEmulator: no message ${messageId} in chat ${c.chat.id}`);
    const on = c.reactions.get(messageId) ?? new Map<number, ReactionType[]>();
    const old = on.get(from.id) ?? [];
    const next: ReactionType[] = emoji.map((e) => ({ type: 'emoji', emoji: e }));
    if (next.length) on.set(from.id, next);
    else on.delete(from.id);
    c.reactions.set(messageId, on);
    return this.push(b, 'message_reaction', {
      chat: c.chat,
      message_id: messageId,
      user: from,
      date: Math.floor(Date.now() / 1000),
      old_reaction: old,
      new_reaction: next,
    });
  }

  /** Someone adds the bot to a group (it is created if new): a `my_chat_member` update, `left` → `member`. */
  addBot(bot: BotRef, chat: Chat, by: User): { update?: Update } {
    const b = this.bot(bot);
    const known = b.chats.get(chat.id);
    if (!known) this.world.addChat(b, chat);
    else known.kicked = false;
    return this.membership(b, chat, by, 'left', 'member');
  }

  /** Someone removes the bot from a group: `my_chat_member`, `member` → `left` (sends then get 403). */
  removeBot(bot: BotRef, chat: ChatRef, by: User): { update?: Update } {
    const b = this.bot(bot);
    const c = this.world.chat(b, chatId(chat));
    c.kicked = true;
    return this.membership(b, c.chat, by, 'member', c.chat.type === 'supergroup' ? 'kicked' : 'left');
  }

  private membership(b: BotState, chat: Chat, by: User, was: string, now: string): { update?: Update } {
    const date = Math.floor(Date.now() / 1000);
    const member = (status: string) => ({ user: b.user, status, ...(status === 'kicked' ? { until_date: 0 } : {}) });
    return this.push(b, 'my_chat_member', { chat, from: by, date, old_chat_member: member(was), new_chat_member: member(now) });
  }

  private bot(ref: BotRef): BotState {
    return this.world.bot(typeof ref === 'number' ? ref : ref.id);
  }
}

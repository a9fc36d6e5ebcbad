import { runConformance, type FailureKind, type InjectedMessage, type PlatformDriver, type ReceivedMessage } from '../../../core/testing';
import telegram from '../../../plugins/telegram';
import type { BotInfo, TelegramEmulator, Update, User } from '../../emulators/telegram';
import { eventually } from '../../support';
import { EmulatorDriver } from '../../support/conformance-driver';
import { startEmulator } from '../../support/telegram';

/** Telegram through its emulator: long polling in, the Bot API out. A private chat's id is its user's id; groups are negative. */
class TelegramDriver extends EmulatorDriver<TelegramEmulator, BotInfo> implements PlatformDriver {
  readonly ids = {
    conversation: (type: 'direct' | 'group', n: number) => (type === 'direct' ? this.ids.sender(n) : String(-1_001_700_000_000 - n)),
    sender: (n: number) => String(700_000_000 + n),
  };
  private readonly updates = new Map<string, { update: Update; messageId: string }>();

  protected startEmulator(): Promise<TelegramEmulator> {
    return startEmulator();
  }

  /** A fresh bot; the updates of the previous one are forgotten. */
  protected newApp(): BotInfo {
    this.updates.clear();
    return this.emu.addBot({ username: `conf_${this.emu.sent.length}_${Date.now() % 100000}_bot`, privacy: false });
  }

  protected pluginOptions(bot: BotInfo): Record<string, unknown> {
    return { token: bot.token, apiRoot: this.emu.url };
  }

  protected async connected(bot: BotInfo): Promise<void> {
    await this.emu.waitForPoll(bot);
  }

  async inject(m: InjectedMessage): Promise<{ messageId: string }> {
    const known = this.updates.get(m.id);
    const update = known ? this.emu.redeliver(this.app, known.update)! : this.newMessage(m);
    await eventually(() => !this.emu.pendingUpdates(this.app).some((u) => u.update_id === update.update_id), 'the update confirmed');
    const messageId = known?.messageId ?? `${update.message!.chat.id}:${update.message!.message_id}`;
    if (!known) this.updates.set(m.id, { update, messageId });
    return { messageId };
  }

  /** What the bot sent, as the chats show it now: edited text, current buttons, deleted ones marked. */
  async received(): Promise<ReceivedMessage[]> {
    return this.emu.sent
      .filter((s) => s.botId === this.app.id)
      .map((s) => {
        const now = this.emu.message(this.app, s.chatId, s.messageId);
        return {
          conversationId: String(s.chatId),
          text: now?.text ?? now?.caption ?? s.text,
          platformId: `${s.chatId}:${s.messageId}`,
          buttons: now ? this.emu.buttons(this.app, s.chatId, s.messageId).map((b) => b.text) : [],
          ...(now ? {} : { deleted: true }),
        };
      });
  }

  /** A click as Telegram reports it: a callback_query update; resolves once the plugin answered it. */
  async click(platformId: string, label: string, sender: number): Promise<void> {
    const [chat, message] = platformId.split(':').map(Number) as [number, number];
    const { id } = this.emu.users.click(this.app, chat, message, { from: this.user(sender), label });
    await this.emu.users.answered(id);
  }

  failNext(kind: FailureKind): void {
    if (kind === 'retryable') this.emu.failNext({ method: 'sendMessage', errorCode: 429, retryAfter: 1, botId: this.app.id });
    else
      this.emu.failNext({
        method: 'sendMessage',
        errorCode: 403,
        description: 'Forbidden: bot was blocked by the user',
        botId: this.app.id,
      });
  }

  private newMessage(m: InjectedMessage): Update {
    const from = this.user(Number(m.sender.id) - 700_000_000, m.sender.name);
    const chatId = Number(m.conversation.id);
    if (!this.emu.hasChat(this.app, chatId)) {
      if (m.conversation.type === 'direct') this.emu.privateChat(this.app, from);
      else this.emu.group(this.app, { id: chatId, type: 'supergroup', title: 'Conformance' });
    }
    const text = m.mentionsBot ? `@${this.app.username} ${m.text}` : m.text;
    const { update } = this.emu.userMessage(this.app, { chat: chatId, from, text });
    if (!update) throw new Error('the emulator did not deliver the message to the bot');
    return update;
  }

  private user(n: number, name?: string): User {
    return this.emu.user({ id: 700_000_000 + n, firstName: name ?? `User ${n}` });
  }
}

runConformance({ plugin: telegram, platform: new TelegramDriver(), title: 'telegram - conformance' });

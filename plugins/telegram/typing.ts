import type { Logger } from 'pino';
import type { BotApi } from './api';

/** Telegram shows "typing…" for 5 s after sendChatAction: repeat a little sooner. */
export const REPEAT_MS = 4000;
/** The contract's "about 60 s" when no answer comes. */
const GIVE_UP_MS = 60_000;

/**
 * The working indicator: `sendChatAction` "typing" at once and every 4 s after, until the bot's next
 * message to that chat (`clear`) or a minute. The repeats run on the replica that was asked; the
 * answer may leave from another, after which the indicator ends by itself within 5 s of the last repeat.
 */
export class Typing {
  private readonly shown = new Map<string, { timer: NodeJS.Timeout; until: number }>();

  constructor(
    private readonly api: BotApi,
    private readonly log: Logger,
  ) {}

  /** Shows the indicator now (the first call's failure is the caller's) and keeps it up. */
  async show(chatId: string, threadId: number | undefined, signal: AbortSignal): Promise<void> {
    const params = { chat_id: chatId, action: 'typing', ...(threadId !== undefined ? { message_thread_id: threadId } : {}) };
    await this.api.call('sendChatAction', params, { signal });
    this.clear(chatId);
    const until = Date.now() + GIVE_UP_MS;
    const timer = setInterval(() => {
      if (Date.now() >= until) return this.clear(chatId);
      this.api.call('sendChatAction', params).catch((err: Error) => {
        this.log.debug({ chatId, err: err.message }, 'typing indicator not repeated');
        this.clear(chatId);
      });
    }, REPEAT_MS);
    timer.unref?.();
    this.shown.set(chatId, { timer, until });
  }

  /** The bot answers in the chat: no more repeats. */
  clear(chatId: string): void {
    const s = this.shown.get(chatId);
    if (!s) return;
    clearInterval(s.timer);
    this.shown.delete(chatId);
  }

  close(): void {
    for (const id of [...this.shown.keys()]) this.clear(id);
  }
}

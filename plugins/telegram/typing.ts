import type { Logger } from 'pino';
import { RepeatingIndicator } from '../../core/plugin';
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
export class Typing extends RepeatingIndicator {
  constructor(
    private readonly api: BotApi,
    log: Logger,
  ) {
    super(REPEAT_MS, GIVE_UP_MS, log);
  }

  /** Shows the indicator now (the first call's failure is the caller's) and keeps it up. */
  show(chatId: string, threadId: number | undefined, signal: AbortSignal): Promise<void> {
    const params = { chat_id: chatId, action: 'typing', ...(threadId !== undefined ? { message_thread_id: threadId } : {}) };
    return this.keepUp(chatId, (s) => this.api.call('sendChatAction', params, { signal: s }), signal);
  }
}

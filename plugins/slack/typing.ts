import type { Logger } from 'pino';
import { DeliveryError, type PluginStore } from '../../core/plugin';
import type { SlackApi } from './api';
import { parseMessageId } from './messages';
import type { Threads } from './threads';

/** How long a typing reaction stays when no answer comes (the contract: about 60 s). */
const TYPING_MS = 60_000;

/**
 * The working indicator. An assistant app (`assistant: true`) sets its thread status with
 * `assistant.threads.setStatus`, which Slack clears when the answer is posted. Otherwise the bot
 * reacts to the message being answered (`typingEmoji`) and takes the reaction back when its next
 * message goes to that conversation, or after a minute. Which message carries it is kept in
 * `ctx.store`, so the replica that sends the answer removes it.
 */
export class Typing {
  private readonly shown = new Map<string, { ts: string; timer: NodeJS.Timeout }>();

  constructor(
    private readonly api: SlackApi,
    private readonly store: PluginStore,
    private readonly threads: Threads,
    private readonly options: { assistant: boolean; typingEmoji: string; typingStatus: string },
    private readonly log: Logger,
  ) {}

  async show(channel: string, replyTo: string | undefined): Promise<void> {
    const ts = replyTo ? parseMessageId(replyTo).ts : this.threads.latestIn(channel);
    if (!ts)
      throw DeliveryError.permanent(
        `typing on Slack shows on the message being answered: give replyTo (no message of ${channel} was received here)`,
        { code: 'E_SCHEMA' },
      );
    if (this.options.assistant) {
      const { root } = await this.threads.of(channel, ts);
      await this.api.setStatus(channel, root, this.options.typingStatus);
      return;
    }
    await this.api.react(channel, ts, this.options.typingEmoji, false).catch((err: DeliveryError) => {
      if (err.platformCode !== 'already_reacted') throw err;
    });
    await this.store.put(key(channel), ts).catch((err: Error) => this.log.debug({ err: err.message }, 'typing reaction not recorded'));
    clearTimeout(this.shown.get(channel)?.timer);
    const timer = setTimeout(() => void this.clear(channel), TYPING_MS);
    timer.unref?.();
    this.shown.set(channel, { ts, timer });
  }

  /** The bot answers in `channel`: its typing reaction there, if any, goes. Never fails the answer. */
  async clear(channel: string): Promise<void> {
    if (this.options.assistant) return;
    const mine = this.shown.get(channel);
    clearTimeout(mine?.timer);
    this.shown.delete(channel);
    const ts = mine?.ts ?? (await this.store.get(key(channel)).catch(() => undefined));
    if (!ts) return;
    await this.store.delete(key(channel)).catch(() => undefined);
    await this.api.react(channel, ts, this.options.typingEmoji, true).catch((err: DeliveryError) => {
      if (err.platformCode !== 'no_reaction' && err.platformCode !== 'message_not_found')
        this.log.warn({ channel, ts, err: err.message }, 'typing reaction not removed');
    });
  }

  /** Stops the timers (the instance stops; the reactions stay until the next answer). */
  close(): void {
    for (const s of this.shown.values()) clearTimeout(s.timer);
    this.shown.clear();
  }
}

const key = (channel: string) => `typing.${channel}`;

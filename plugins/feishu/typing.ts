import type { Logger } from 'pino';
import { BoundedMap, DeliveryError, type PluginStore } from '../../core/plugin';
import type { Reactions } from './reactions';

/** The reaction Feishu peers show while they work on an answer. */
export const TYPING_EMOJI = 'Typing';
/** How long it stays when no answer comes (the contract: about 60 s). */
const TYPING_MS = 60_000;

/**
 * The working indicator: a "Typing" reaction on the message being answered (`replyTo`, or the latest
 * message received in the conversation), taken back when the bot's next message goes to that message or
 * conversation, or after a minute. Which message carries it is kept in `ctx.store` under both, so the
 * replica that sends the answer removes it. Within one term of sending (`SendInfo.term`) no other replica
 * sets or clears one, so what this replica read or wrote is kept in memory: an answer costs no store
 * read for a conversation already seen in the term.
 */
export class Typing {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** The latest message received per chat, and the chat of each message received. */
  private readonly latest = new BoundedMap<string, string>(10_000);
  /** The term `slots` holds for: in another, a replica that held the lease meanwhile may have set one. */
  private term?: number;
  /** What the store holds under a key, as this replica last read or wrote it in `term` ('' for nothing). */
  private readonly slots = new BoundedMap<string, string>(10_000);

  constructor(
    private readonly reactions: Reactions,
    private readonly store: PluginStore,
    private readonly log: Logger,
  ) {}

  /** A message was received in `chat`: typing without replyTo shows on it. */
  noteReceived(chat: string, messageId: string): void {
    this.latest.set(chat, messageId);
  }

  async show(target: { conversation?: string; replyTo?: string }, term: number | undefined): Promise<void> {
    this.enter(term);
    const messageId = target.replyTo ?? (target.conversation ? this.latest.get(target.conversation) : undefined);
    if (!messageId)
      throw DeliveryError.permanent(
        `typing on Feishu is a reaction on the message being answered: give replyTo (no message of ${target.conversation} was received here)`,
        { code: 'E_SCHEMA' },
      );
    await this.reactions.react({ messageId, emoji: TYPING_EMOJI, remove: false });
    const keys = [messageId, ...(target.conversation ? [target.conversation] : [])];
    await Promise.all(keys.map((k) => this.store.put(slot(k), messageId)));
    for (const k of keys) {
      this.slots.set(k, messageId);
      clearTimeout(this.timers.get(k));
      const timer = setTimeout(() => void this.clear([k], 'timer'), TYPING_MS);
      timer.unref?.();
      this.timers.set(k, timer);
    }
  }

  /**
   * The bot answers `replyTo` or in `conversation` (in `term`; its own timer passes none): the typing
   * reaction there goes. Never fails the answer.
   */
  async clear(where: Array<string | undefined>, term?: number | 'timer'): Promise<void> {
    if (term !== 'timer') this.enter(term);
    for (const k of where) {
      if (!k) continue;
      clearTimeout(this.timers.get(k));
      this.timers.delete(k);
      const known = this.slots.get(k);
      const messageId = known ?? (await this.store.get(slot(k)).catch(() => undefined));
      if (!messageId) {
        if (known === undefined) this.slots.set(k, '');
        continue;
      }
      this.slots.set(k, '');
      await this.store.delete(slot(k)).catch(() => undefined);
      await this.reactions
        .react({ messageId, emoji: TYPING_EMOJI, remove: true })
        .catch((err: Error) => this.log.warn({ messageId, err: err.message }, 'typing reaction not removed'));
    }
  }

  /** A call in `term`: what was kept from another term (or from a call with none) is not trusted. */
  private enter(term: number | undefined): void {
    if (term !== undefined && term === this.term) return;
    this.slots.clear();
    this.term = term;
  }

  /** Stops the timers (the instance stops; the reactions stay until the next answer). */
  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

const slot = (k: string) => `typing.${k}`;

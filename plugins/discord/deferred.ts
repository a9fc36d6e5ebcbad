import { BoundedMap } from '../../core/plugin';

/** How long Discord keeps an interaction token usable for the answer (15 minutes), less a margin. */
const ANSWER_WINDOW_MS = 14 * 60_000;

/** A slash command acknowledged with "thinking…" (callback type 5), waiting for the agent's answer. */
export interface PendingAnswer {
  applicationId: string;
  token: string;
  at: number;
}

/**
 * Slash commands answered "thinking…" per channel: the agent's next message there fills that answer in
 * (the webhook's `@original`) instead of posting a new message, so the command shows its reply.
 * In memory: on another replica, or after 14 minutes, the reply is a normal message.
 */
export class Deferred {
  private readonly pending = new BoundedMap<string, PendingAnswer>(1000);

  note(channel: string, answer: Omit<PendingAnswer, 'at'>): void {
    this.pending.set(channel, { ...answer, at: Date.now() });
  }

  take(channel: string): PendingAnswer | undefined {
    const p = this.pending.get(channel);
    if (!p) return undefined;
    this.pending.delete(channel);
    return Date.now() - p.at < ANSWER_WINDOW_MS ? p : undefined;
  }
}

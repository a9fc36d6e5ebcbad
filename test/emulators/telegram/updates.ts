/**
 * One bot's update queue with getUpdates' semantics: updates stay until a call's `offset` confirms
 * them; a call with nothing to return is held up to `timeout` seconds and answered as soon as an update
 * arrives; a second call terminates the one being held with 409, as Telegram does.
 */
import type { ApiFailure, Message, PollRecord, Update } from './types';

export type UpdateType = 'message' | 'edited_message' | 'callback_query' | 'message_reaction' | 'my_chat_member';

export type Answer = { ok: true; result: unknown; description?: string } | ({ ok: false } & ApiFailure);

/** Telegram's default when allowed_updates was never given: everything but these. */
const NOT_BY_DEFAULT = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);

interface Waiter {
  record: PollRecord;
  limit: number;
  respond: (a: Answer) => void;
  timer: NodeJS.Timeout;
  drop: () => void;
}

export const conflict = (description: string): Answer => ({ ok: false, error_code: 409, description: `Conflict: ${description}` });

export class UpdateQueue {
  private updates: Update[] = [];
  private waiter?: Waiter;
  private flushing = false;
  /** Types named by the last getUpdates / setWebhook that gave allowed_updates; undefined: the default. */
  allowed?: string[];
  /** How many times each update id was handed out. */
  readonly delivered = new Map<number, number>();

  constructor(private nextId: number) {}

  accepts(type: string): boolean {
    return this.allowed?.length ? this.allowed.includes(type) : !NOT_BY_DEFAULT.has(type);
  }

  /** Queues an update of `type` (`message`, `callback_query`, ...) unless allowed_updates filters it out. */
  push(type: UpdateType, payload: Message | Record<string, unknown>): Update | undefined {
    if (!this.accepts(type)) return undefined;
    const update = { update_id: this.nextId++, [type]: payload } as Update;
    this.enqueue(update);
    return update;
  }

  private enqueue(update: Update): void {
    this.updates.push(update);
    if (this.waiter && !this.flushing) {
      this.flushing = true;
      // Updates pushed in the same tick go out in one answer.
      setImmediate(() => {
        this.flushing = false;
        if (this.waiter) this.finish(this.waiter, this.take(this.waiter.record, this.waiter.limit));
      });
    }
  }

  /** `offset` > 0 forgets updates below it; < 0 keeps only the last -offset. */
  confirm(offset: number): void {
    if (offset > 0) this.updates = this.updates.filter((u) => u.update_id >= offset);
    else if (offset < 0) this.updates = this.updates.slice(offset);
  }

  pending(): Update[] {
    return [...this.updates];
  }

  clear(): void {
    this.updates = [];
  }

  get holding(): PollRecord | undefined {
    return this.waiter?.record;
  }

  /** A getUpdates call after its offset was applied: answers now, or holds. */
  poll(record: PollRecord, limit: number, timeout: number, drop: () => void): Promise<Answer> {
    if (this.waiter)
      this.finish(
        this.waiter,
        conflict('terminated by other getUpdates request; make sure that only one bot instance is running'),
        'conflict',
      );
    if (this.updates.length || timeout <= 0) return Promise.resolve(this.take(record, limit));
    return new Promise((respond) => {
      const waiter: Waiter = {
        record,
        limit,
        respond,
        drop,
        timer: setTimeout(() => this.finish(waiter, this.take(record, limit)), timeout * 1000),
      };
      this.waiter = waiter;
    });
  }

  /** The client of a held call went away. */
  abandoned(record: PollRecord): void {
    if (this.waiter?.record !== record) return;
    clearTimeout(this.waiter.timer);
    this.waiter = undefined;
    record.outcome = 'aborted';
    record.endedAt = Date.now();
  }

  /** Ends the held call with an answer (e.g. a 409 when a webhook is set). */
  terminate(answer: Answer): void {
    if (this.waiter) this.finish(this.waiter, answer, 'conflict');
  }

  /** Closes the held call's connection without an answer; true when there was one. */
  dropHeld(): boolean {
    const w = this.waiter;
    if (!w) return false;
    clearTimeout(w.timer);
    this.waiter = undefined;
    w.record.outcome = 'dropped';
    w.record.endedAt = Date.now();
    w.drop();
    return true;
  }

  private take(record: PollRecord, limit: number): Answer {
    const batch = this.updates.slice(0, limit);
    for (const u of batch) this.delivered.set(u.update_id, (this.delivered.get(u.update_id) ?? 0) + 1);
    record.updateIds = batch.map((u) => u.update_id);
    record.outcome = batch.length ? 'updates' : 'empty';
    record.endedAt = Date.now();
    return { ok: true, result: batch };
  }

  private finish(w: Waiter, answer: Answer, outcome?: PollRecord['outcome']): void {
    clearTimeout(w.timer);
    if (this.waiter === w) this.waiter = undefined;
    if (outcome) {
      w.record.outcome = outcome;
      w.record.endedAt = Date.now();
    }
    w.respond(answer);
  }
}

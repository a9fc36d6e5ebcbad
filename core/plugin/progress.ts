import type { Logger } from 'pino';
import { BoundedMap } from './bounded-map';
import type { PluginStore } from './types';

/** Entries kept in memory; the store holds the rest. */
const MAX_IN_MEMORY = 1000;

/**
 * How far the delivery of one envelope got when it goes out as several platform calls (a long text
 * split in pieces): kept in memory and in `ctx.store`, so a retry of the envelope — in this process,
 * after a crash, or on another replica — resumes after the last piece that went out instead of
 * posting the first pieces again.
 *
 * ```ts
 * const progress = new SendProgress<{ done: number; ids: string[] }>(ctx.store, ctx.logger);
 * const state = (await progress.load(env.id)) ?? { done: 0, ids: [] };
 * for (let i = state.done; i < pieces.length; i++) {
 *   state.ids.push(await post(pieces[i]));
 *   state.done = i + 1;
 *   if (state.done < pieces.length) await progress.save(env.id, state);
 * }
 * await progress.clear(env.id);
 * ```
 */
export class SendProgress<T> {
  private readonly recent = new BoundedMap<string, T>(MAX_IN_MEMORY);
  /** Keys written to the store and not cleared yet, so clearing a one-piece send costs no call. */
  private readonly stored = new Set<string>();

  constructor(
    private readonly store: PluginStore,
    private readonly log: Logger,
    private readonly namespace = 'progress',
  ) {}

  /** The saved progress of `key`, or undefined when none was saved (the usual first attempt). */
  async load(key: string): Promise<T | undefined> {
    const hit = this.recent.get(key);
    if (hit !== undefined) return hit;
    try {
      const raw = await this.store.get(this.storeKey(key));
      if (raw === undefined) return undefined;
      this.stored.add(key);
      return JSON.parse(raw) as T;
    } catch (err) {
      this.log.warn(
        { key, err: (err as Error).message },
        'send progress could not be read; the pieces of this message are sent from the first',
      );
      return undefined;
    }
  }

  /** Records progress after a piece went out. A store failure is logged: memory still has it. */
  async save(key: string, value: T): Promise<void> {
    this.recent.set(key, value);
    try {
      await this.store.put(this.storeKey(key), JSON.stringify(value));
      this.stored.add(key);
    } catch (err) {
      this.log.warn(
        { key, err: (err as Error).message },
        'send progress kept in memory only (store unavailable): a retry elsewhere would repeat pieces',
      );
    }
  }

  /** Forgets `key`: the envelope was delivered, or failed for good. */
  async clear(key: string): Promise<void> {
    this.recent.delete(key);
    if (!this.stored.delete(key)) return;
    await this.store
      .delete(this.storeKey(key))
      .catch((err: Error) => this.log.debug({ key, err: err.message }, 'send progress not deleted; it expires with the bucket TTL'));
  }

  private storeKey(key: string): string {
    return `${this.namespace}:${key}`;
  }
}

import type { KV } from '@nats-io/kv';
import { hashId } from '../plugin/text';
import type { PluginStore } from '../plugin/types';

/** The largest value `ctx.store` keeps: state a retry needs, not payloads. */
export const MAX_STORE_VALUE_BYTES = 64 * 1024;

/**
 * `ctx.store` of one instance: keys live under `<channel>.<account>.` in the plugins' bucket; a key
 * that is not a plain token (A-Z a-z 0-9 _ -, at most 64 characters) is stored under its hash, so any
 * string works as a key.
 */
export class InstanceStore implements PluginStore {
  constructor(
    private readonly kv: KV,
    private readonly channel: string,
    private readonly account: string,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const entry = await this.kv.get(this.keyOf(key));
    if (!entry || entry.operation !== 'PUT') return undefined;
    return entry.string();
  }

  async put(key: string, value: string): Promise<void> {
    if (typeof value !== 'string') throw new TypeError(`ctx.store.put("${key}"): the value must be a string (JSON.stringify it)`);
    const bytes = Buffer.byteLength(value);
    if (bytes > MAX_STORE_VALUE_BYTES)
      throw new RangeError(
        `ctx.store.put("${key}"): ${bytes} bytes is over the ${MAX_STORE_VALUE_BYTES}-byte limit; keep state, not payloads`,
      );
    await this.kv.put(this.keyOf(key), value);
  }

  async delete(key: string): Promise<void> {
    await this.kv.delete(this.keyOf(key));
  }

  private keyOf(key: string): string {
    if (typeof key !== 'string' || key === '') throw new TypeError('ctx.store: a key must be a non-empty string');
    return `${this.channel}.${this.account}.${hashId(key, 64)}`;
  }
}

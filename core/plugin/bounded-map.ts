/**
 * A `Map` that keeps at most `max` entries and forgets the oldest past it, so memory follows recent
 * traffic (message → reaction, visitor → socket, user id → name). Setting a key again makes it the
 * newest.
 *
 * ```ts
 * const names = new BoundedMap<string, string>(5000);
 * names.set(userId, displayName);
 * ```
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly max: number) {
    super();
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`BoundedMap: max must be a whole number of at least 1 (got ${max})`);
  }

  override set(key: K, value: V): this {
    if (this.has(key)) this.delete(key);
    super.set(key, value);
    if (this.size > this.max) this.delete(this.keys().next().value as K);
    return this;
  }
}

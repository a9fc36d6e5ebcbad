import { BoundedMap, deadline } from '../../core/plugin';

/**
 * User display names by id, looked up once per hour at most. A lookup that takes longer than the
 * caller can wait (Slack wants events acknowledged within 3 s) answers the id; the name still lands in
 * the cache for the next message. Failures are not cached.
 */
export class UserNames {
  private readonly names = new BoundedMap<string, { name: string; at: number }>(5000);
  private readonly pending = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly lookup: (id: string) => Promise<string | undefined>,
    private readonly ttlMs = 3_600_000,
  ) {}

  async name(id: string, waitMs: number): Promise<string> {
    const hit = this.names.get(id);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.name;
    let p = this.pending.get(id);
    if (!p) {
      p = this.lookup(id).then(
        (name) => {
          if (name) this.names.set(id, { name, at: Date.now() });
          return name;
        },
        () => undefined,
      );
      this.pending.set(id, p);
      void p.finally(() => this.pending.delete(id));
    }
    const name = await deadline(p, waitMs, 'user name lookup').catch(() => undefined);
    return name ?? hit?.name ?? id;
  }
}

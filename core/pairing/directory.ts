import { JetStreamApiError } from '@nats-io/jetstream';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { Logger } from 'pino';
import { approvalKey, parseKey, pendingKey, type Approval, type PendingPairing } from './records';

/** How long start waits for the bucket's current content before serving with what it has. */
const LOAD_TIMEOUT_MS = 5000;

/**
 * Every replica's view of the pairing bucket: approved senders and pending codes, kept current by a
 * KV watch, so the access check on each message reads memory, never NATS. An approval made with the
 * CLI (or on another replica) reaches every gateway within one watch notification.
 */
export class PairingDirectory {
  private readonly approved = new Map<string, Map<string, Approval>>();
  private readonly pending = new Map<string, Map<string, PendingPairing>>();
  private loaded = false;
  private stopWatch?: () => void;

  private constructor(
    private readonly kv: KV,
    private readonly log: Logger,
  ) {}

  /** Opens the directory and resolves once the bucket's current content is loaded. */
  static async open(kv: KV, log: Logger): Promise<PairingDirectory> {
    const dir = new PairingDirectory(kv, log);
    await dir.watch();
    return dir;
  }

  private async watch(): Promise<void> {
    let ready!: () => void;
    const initial = new Promise<void>((r) => (ready = r));
    const watcher = await this.kv.watch();
    this.stopWatch = () => watcher.stop();
    if ((await this.kv.status()).values === 0) ready();
    void (async () => {
      for await (const e of watcher) {
        this.apply(e);
        if (e.delta === 0) ready();
      }
    })().catch((err: Error) =>
      this.log.error({ err: err.message }, 'pairing watch ended: approvals made from now on are not seen until restart'),
    );
    const timer = setTimeout(() => {
      this.log.warn('pairing approvals not fully loaded yet; continuing, the rest arrive through the watch');
      ready();
    }, LOAD_TIMEOUT_MS);
    await initial;
    clearTimeout(timer);
    this.loaded = true;
    const approved = [...this.approved.values()].reduce((n, m) => n + m.size, 0);
    this.log.debug({ approved }, 'pairing approvals loaded');
  }

  private apply(e: KvWatchEntry): void {
    const parsed = parseKey(e.key);
    if (!parsed) return;
    const instance = `${parsed.channel}/${parsed.account}`;
    const id = e.key.slice(e.key.lastIndexOf('.') + 1);
    const removed = e.operation !== 'PUT';
    if (parsed.kind === 'pending') {
      const byCode = entries(this.pending, instance);
      if (removed) byCode.delete(id);
      else byCode.set(id, e.json<PendingPairing>());
      return;
    }
    const bySender = entries(this.approved, instance);
    const known = bySender.get(id);
    if (removed) {
      bySender.delete(id);
      if (known && this.loaded)
        this.log.info(
          { channel: parsed.channel, account: parsed.account, senderId: known.sender.id },
          `pairing revoked: ${known.sender.id} no longer reaches ${instance}`,
        );
      return;
    }
    const a = e.json<Approval>();
    bySender.set(id, a);
    if (!known && this.loaded) {
      this.log.info(
        { channel: a.channel, account: a.account, senderId: a.sender.id, senderName: a.sender.name, code: a.code },
        `pairing approved: ${a.sender.id} may now message ${instance}`,
      );
    }
  }

  isApproved(channel: string, account: string, senderId: string): boolean {
    const key = approvalKey(channel, account, senderId);
    return this.approved.get(`${channel}/${account}`)?.has(key.slice(key.lastIndexOf('.') + 1)) ?? false;
  }

  /** Pending codes of one instance, expired ones included (the caller decides what expiry means). */
  pendingOf(channel: string, account: string): PendingPairing[] {
    return [...(this.pending.get(`${channel}/${account}`)?.values() ?? [])];
  }

  /** Stores a new code; false when the code is taken already (the caller picks another). */
  async issue(p: PendingPairing): Promise<boolean> {
    try {
      await this.kv.create(pendingKey(p.channel, p.account, p.code), JSON.stringify(p));
    } catch (err) {
      if (err instanceof JetStreamApiError && (err.code === 10071 || err.code === 10164)) return false;
      throw err;
    }
    this.remember(p);
    return true;
  }

  async update(p: PendingPairing): Promise<void> {
    await this.kv.put(pendingKey(p.channel, p.account, p.code), JSON.stringify(p));
    this.remember(p);
  }

  async drop(p: PendingPairing): Promise<void> {
    this.pending.get(`${p.channel}/${p.account}`)?.delete(p.code);
    await this.kv.delete(pendingKey(p.channel, p.account, p.code));
  }

  // The watch brings the same entry a moment later; remembering it now keeps a burst of messages consistent.
  private remember(p: PendingPairing): void {
    entries(this.pending, `${p.channel}/${p.account}`).set(p.code, p);
  }

  stop(): void {
    this.stopWatch?.();
  }
}

function entries<T>(table: Map<string, Map<string, T>>, instance: string): Map<string, T> {
  let m = table.get(instance);
  if (!m) table.set(instance, (m = new Map()));
  return m;
}

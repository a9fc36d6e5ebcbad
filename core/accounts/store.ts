import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { StatusEvent, StatusState } from '../contract/schemas';
import type { Subjects } from '../contract/subjects';
import { accountKey, parseAccountKey } from './entry';
import { openAccountsBucket } from './bucket';

/** A provisioned account as the bucket holds it. */
export interface StoredAccount {
  channel: string;
  account: string;
  /** The entry as JSON: the keys of a `plugins:` entry. */
  entry: Record<string, unknown>;
  revision: number;
}

/**
 * The accounts bucket (`<prefix>_accounts`) for a backend or an operator: put, list and remove plugin
 * entries; every gateway with `accounts.fromNats: true` starts, restarts or stops the instance within
 * moments, and `waitFor()` follows its status until it is, say, connected. Access to this bucket is
 * access to the bots' credentials: protect it with NATS permissions (docs/operations.md).
 */
export class AccountsStore {
  private constructor(
    private readonly kv: KV,
    private readonly status: KV,
  ) {}

  static async open(nc: NatsConnection, s: Subjects): Promise<AccountsStore> {
    const kv = await openAccountsBucket(nc, s);
    const status = await new Kvm(nc).create(s.statusBucket, { history: 1 });
    return new AccountsStore(kv, status);
  }

  /**
   * Stores an entry under `<channel>.<account>`: `channel` is the plugin's name (the built-in's, or
   * the one a package registers), `entry.use` defaults to it, `entry.account` (default `default`) must
   * be a name. The gateway checks the entry as it checks a config file and says what is wrong on the
   * instance's status.
   */
  async put(channel: string, entry: Record<string, unknown>): Promise<string> {
    const account = typeof entry.account === 'string' ? entry.account : 'default';
    const key = accountKey(channel, account);
    if (!parseAccountKey(key)) throw new Error(`"${channel}" / "${account}" are not names: 1-64 characters of A-Z a-z 0-9 _ -`);
    await this.kv.put(key, JSON.stringify({ ...entry, account }));
    return key;
  }

  async get(channel: string, account: string): Promise<StoredAccount | undefined> {
    const e = await this.kv.get(accountKey(channel, account));
    return e && e.operation === 'PUT' ? { channel, account, entry: e.json(), revision: e.revision } : undefined;
  }

  async list(): Promise<StoredAccount[]> {
    const out: StoredAccount[] = [];
    for await (const key of await this.kv.keys()) {
      const names = parseAccountKey(key);
      const e = names && (await this.kv.get(key));
      if (names && e && e.operation === 'PUT') out.push({ ...names, entry: e.json(), revision: e.revision });
    }
    return out.sort((a, b) => accountKey(a.channel, a.account).localeCompare(accountKey(b.channel, b.account)));
  }

  /** Removes an entry: its instance stops on every gateway. False when there was none. */
  async remove(channel: string, account: string): Promise<boolean> {
    const key = accountKey(channel, account);
    const e = await this.kv.get(key);
    if (!e || e.operation !== 'PUT') return false;
    await this.kv.delete(key);
    return true;
  }

  /**
   * Resolves with the instance's status once it is one of `states` (reported after `since`, default now
   * minus a second), or rejects after `timeoutMs` with the last status seen (a refused entry is
   * `failed` with its problems as the detail).
   */
  async waitFor(
    channel: string,
    account: string,
    states: StatusState[] = ['connected'],
    opts: { timeoutMs?: number; since?: Date } = {},
  ): Promise<StatusEvent> {
    const { timeoutMs = 60_000 } = opts;
    const since = (opts.since ?? new Date(Date.now() - 1000)).getTime();
    const watch = await this.status.watch({ key: accountKey(channel, account) });
    let last: StatusEvent | undefined;
    const timer = setTimeout(() => watch.stop(), timeoutMs);
    try {
      for await (const e of watch) {
        if (e.operation !== 'PUT') continue;
        last = e.json<StatusEvent>();
        if (states.includes(last.state) && Date.parse(last.time) >= since) return last;
      }
    } finally {
      clearTimeout(timer);
      watch.stop();
    }
    throw new Error(
      `${channel}/${account} did not become ${states.join(' or ')} within ${timeoutMs} ms${last ? `: last ${last.state}${last.detail ? ` (${last.detail})` : ''}` : ': no status yet (is a gateway with accounts.fromNats: true running?)'}`,
    );
  }
}

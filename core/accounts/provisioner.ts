import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { InstanceConfig } from '../config/types';
import type { StatusState } from '../contract/schemas';
import type { PluginLoader } from '../plugin/loader';
import { checkAccountEntry, parseAccountKey } from './entry';
import type { AccountHandlers } from './watcher';

/** What the provisioner needs of the gateway. */
export interface ProvisionHost {
  /** `channel/account` of every instance the config file runs. */
  fileKeys(): Set<string>;
  /** The entry a provisioned instance runs with now, if one runs. */
  provisioned(key: string): InstanceConfig | undefined;
  /** Starts (or restarts with a new entry) a provisioned instance. */
  run(entry: InstanceConfig): Promise<void>;
  /** Stops a provisioned instance and forgets it. */
  drop(key: string): Promise<void>;
  report(channel: string, account: string, state: StatusState, detail: string): void;
}

/**
 * Applies the accounts bucket to the running gateway: a valid entry starts its instance, or restarts it
 * when the entry changed (others keep running untouched); a delete stops it; an invalid entry is
 * refused with its problems on the instance's status (the instance keeps running with the previous
 * entry, if there was one); an entry whose key the config file also has is refused, naming both.
 */
export class Provisioner implements AccountHandlers {
  /** Entries refused, with why: what `status` and the status page show. */
  readonly refused = new Map<string, string[]>();

  constructor(
    private readonly host: ProvisionHost,
    private readonly load: PluginLoader,
    private readonly baseDir: string,
    private readonly file: string,
    private readonly log: Logger,
  ) {}

  async put(key: string, value: unknown): Promise<void> {
    const names = parseAccountKey(key);
    const instanceKey = names ? `${names.channel}/${names.account}` : key;
    if (names && this.host.fileKeys().has(instanceKey)) {
      return this.refuse(
        key,
        [`${key}: ${instanceKey} is configured in ${this.file} too; an account lives in the file or in the bucket, not both: remove one`],
        false,
      );
    }
    const checked = checkAccountEntry(key, value, this.load, this.baseDir);
    if ('problems' in checked) return this.refuse(key, checked.problems, true);
    this.refused.delete(key);
    const entry = checked.instance;
    const running = this.host.provisioned(instanceKey);
    if (running && isDeepStrictEqual(comparable(running), comparable(entry))) return;
    this.log.info(
      { channel: entry.channel, account: entry.account, enabled: entry.enabled },
      running ? 'provisioned account changed: restarting it' : 'provisioned account added',
    );
    if (!entry.enabled) return this.host.drop(instanceKey);
    await this.host.run(entry);
  }

  async remove(key: string): Promise<void> {
    this.refused.delete(key);
    const names = parseAccountKey(key);
    if (!names || !this.host.provisioned(`${names.channel}/${names.account}`)) return;
    this.log.info({ channel: names.channel, account: names.account }, 'provisioned account removed: stopping it');
    await this.host.drop(`${names.channel}/${names.account}`);
  }

  private refuse(key: string, problems: string[], onStatus: boolean): void {
    this.refused.set(key, problems);
    const names = parseAccountKey(key);
    const running = names && this.host.provisioned(`${names.channel}/${names.account}`);
    this.log.error(
      { key, problems },
      `accounts bucket entry ${key} refused: ${problems.join('; ')}${running ? ' (the instance keeps running with its previous entry)' : ''}`,
    );
    if (names && onStatus && !running) this.host.report(names.channel, names.account, 'failed', `entry refused: ${problems.join('; ')}`);
  }
}

/** What decides whether a changed entry restarts its instance: everything but its position. */
function comparable(i: InstanceConfig): unknown {
  const { index: _index, manifest, ...rest } = i;
  return { ...rest, plugin: manifest.name };
}

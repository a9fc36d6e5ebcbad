import { NamePattern } from '../contract/schemas';
import { checkEntries } from '../config/entries';
import { instanceOf } from '../config/resolve';
import { IssueSink } from '../config/schema-issues';
import type { InstanceConfig } from '../config/types';
import { YamlSource } from '../config/yaml-doc';
import type { PluginLoader } from '../plugin/loader';

const NAME = new RegExp(NamePattern);

/** The bucket key of an instance: `<channel>.<account>`. */
export function accountKey(channel: string, account: string): string {
  return `${channel}.${account}`;
}

/** A bucket key split back, or undefined when it is not `<channel>.<account>` of valid names. */
export function parseAccountKey(key: string): { channel: string; account: string } | undefined {
  const [channel, account, ...rest] = key.split('.');
  if (rest.length || !channel || !account || !NAME.test(channel) || !NAME.test(account)) return undefined;
  return { channel, account };
}

/**
 * Checks one entry of the accounts bucket with the same schemas as a config file: core's keys, the
 * plugin (`use`, default the channel of the key) and its options. `use` and `account` may be given and
 * must then match the key. Values are taken as they are: no `${VAR}` in the bucket. Problems read
 * `<key>: <field>: <what is wrong> (<hint>)`.
 */
export function checkAccountEntry(
  key: string,
  value: unknown,
  load: PluginLoader,
  baseDir: string,
): { instance: InstanceConfig } | { problems: string[] } {
  const names = parseAccountKey(key);
  if (!names) return { problems: [`${key}: the key must be <channel>.<account>, each 1-64 characters of A-Z a-z 0-9 _ -`] };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problems: [`${key}: the value must be a JSON object: the keys of a plugins: entry`] };
  }
  const entry: Record<string, unknown> = { use: names.channel, ...(value as Record<string, unknown>) };
  if (entry.account !== undefined && entry.account !== names.account) {
    return {
      problems: [
        `${key}: account is "${String(entry.account)}" but the key says "${names.account}": drop account, or put the entry under ${names.channel}.${String(entry.account)}`,
      ],
    };
  }
  entry.account = names.account;
  const source = new YamlSource(`accounts bucket ${key}`, JSON.stringify({ plugins: [entry] }));
  const sink = new IssueSink(`accounts bucket ${key}`, source);
  const checked = checkEntries([entry], baseDir, load, sink);
  const problems = sink.issues.map((i) => {
    const field = i.path.replace(/^plugins\[0\]\.?/, '');
    return `${key}: ${field ? `${field}: ` : ''}${i.message}${i.hint ? ` (${i.hint})` : ''}`;
  });
  if (problems.length) return { problems };
  const one = checked.entries[0];
  if (!one) return { problems: [`${key}: the entry names no plugin`] };
  if (one.channel !== names.channel) {
    return {
      problems: [
        `${key}: use: "${String(entry.use)}" is the "${one.channel}" channel, but the key says "${names.channel}": put the entry under ${one.channel}.${names.account}`,
      ],
    };
  }
  return { instance: { ...instanceOf(one), source: 'nats' } };
}

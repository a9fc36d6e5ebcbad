import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AccountsStore } from '../accounts/store';
import { checkEntries } from '../config/entries';
import { ConfigError } from '../config/issues';
import { readSource } from '../config/load';
import { IssueSink, ordered } from '../config/schema-issues';
import { subjects } from '../contract/subjects';
import { loadPlugin } from '../plugin/loader';
import { readOrReport, type Io } from './io';
import { withNats } from './with-nats';
import { readOpsConfig } from './ops-config';
import { renderTable } from './table';

export const ACCOUNTS_USAGE = `chat-gateway accounts put FILE|- [-c FILE]  store plugin entries in the accounts bucket (NATS), checked
                                            like a config file; gateways with accounts.fromNats run them
  chat-gateway accounts list [-c FILE] [--json]
  chat-gateway accounts rm CHANNEL/ACCOUNT [-c FILE]`;

/**
 * `chat-gateway accounts put|list|rm`: the accounts bucket of the config's NATS and prefix, which every
 * gateway with `accounts.fromNats: true` runs. `put` checks the entries as `validate` checks a config
 * file (file:line:col, with hints) before it stores any.
 */
export async function accounts(
  config: string,
  action: string | undefined,
  arg: string | undefined,
  json: boolean,
  io: Io,
): Promise<number> {
  if (action !== 'put' && action !== 'list' && action !== 'rm') {
    io.err(`chat-gateway: accounts needs put, list or rm\n\nUsage:\n  ${ACCOUNTS_USAGE}\n`);
    return 2;
  }
  if (action !== 'list' && !arg) {
    io.err(`chat-gateway: accounts ${action} needs ${action === 'put' ? 'a file (or - for stdin)' : 'CHANNEL/ACCOUNT'}\n`);
    return 2;
  }
  const entries = action === 'put' ? readOrReport(arg!, io, readEntries) : undefined;
  if (action === 'put' && !entries) return 1;
  const cfg = readOrReport(config, io, readOpsConfig);
  if (!cfg) return 1;
  return withNats(cfg, io, async (nc) => {
    const store = await AccountsStore.open(nc, subjects(cfg.nats.prefix));
    if (action === 'put') {
      for (const e of entries!) io.out(`stored ${await store.put(e.channel, e.entry)}\n`);
      return 0;
    }
    if (action === 'rm') {
      const [channel = '', account = 'default'] = arg!.split('/');
      if (await store.remove(channel, account)) {
        io.out(`removed ${channel}.${account}: its instance stops on every gateway\n`);
        return 0;
      }
      io.err(`chat-gateway: no entry ${channel}.${account} in the accounts bucket\n`);
      return 1;
    }
    const list = await store.list();
    if (json)
      io.out(
        `${JSON.stringify(
          list.map((a) => ({ ...a, entry: redacted(a.channel, a.entry) })),
          null,
          2,
        )}\n`,
      );
    else
      io.out(
        list.length
          ? renderTable(
              ['channel', 'account', 'enabled', 'use', 'revision'],
              list.map((a) => [
                a.channel,
                a.account,
                String(a.entry.enabled ?? true),
                String(a.entry.use ?? a.channel),
                String(a.revision),
              ]),
            )
          : 'the accounts bucket is empty\n',
      );
    return 0;
  });
}

/** The entries of a file (or stdin): a list, one mapping, or a config file's `plugins:`; each checked. */
function readEntries(file: string): Array<{ channel: string; entry: Record<string, unknown> }> {
  const name = file === '-' ? '<stdin>' : file;
  const source = readSource(name, file === '-' ? readFileSync(0, 'utf8') : undefined);
  source.substitute(process.env);
  const raw = source.toJS();
  const shape = Array.isArray(raw) ? 'list' : typeof raw === 'object' && raw !== null && 'plugins' in raw ? 'config' : 'entry';
  const list = (shape === 'list' ? raw : shape === 'config' ? (raw as { plugins: unknown }).plugins : [raw]) as unknown[];
  const sink = new EntrySink(name, source, shape);
  const checked = checkEntries(list, file === '-' ? process.cwd() : dirname(resolve(file)), loadPlugin, sink);
  for (const p of source.envProblems)
    sink.issues.push({
      file: name,
      ...source.locate(p.path),
      path: p.path.join('.'),
      message: p.message,
      ...(p.hint ? { hint: p.hint } : {}),
    });
  if (sink.issues.length) throw new ConfigError(ordered(sink.issues));
  return checked.entries.map((e) => ({ channel: e.channel, entry: list[e.index] as Record<string, unknown> }));
}

/** Problems of the entries at their place in the file, whether it is a list, one entry, or a config file. */
class EntrySink extends IssueSink {
  constructor(
    file: string,
    source: ConstructorParameters<typeof IssueSink>[1],
    private readonly shape: 'list' | 'entry' | 'config',
  ) {
    super(file, source);
  }

  override at(path: (string | number)[], message: string, hint?: string, key = false): void {
    // checkEntries names places as in a config file: plugins[i].key.
    const rebased = this.shape === 'config' ? path : this.shape === 'list' ? path.slice(1) : path.slice(2);
    super.at(rebased, message, hint, key);
  }
}

/** An entry with its plugin's secrets hidden (or, when the plugin cannot be loaded here, anything named like one). */
function redacted(channel: string, entry: Record<string, unknown>): Record<string, unknown> {
  let secrets: readonly string[] | undefined;
  try {
    secrets = loadPlugin(String(entry.use ?? channel), process.cwd()).secrets ?? [];
  } catch {
    secrets = undefined;
  }
  const hide = (k: string) => (secrets ? secrets.includes(k) : /secret|token|password|key/i.test(k));
  return Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, hide(k) && typeof v === 'string' && v ? '***' : v]));
}

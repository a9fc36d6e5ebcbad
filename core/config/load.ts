import { dirname, resolve } from 'node:path';
import { SECRET_KEYS } from '../log';
import { loadPlugin, type PluginLoader } from '../plugin/loader';
import { GatewayError } from '../errors';
import { checkEntries, type CheckedEntries } from './entries';
import { ConfigError, type ConfigIssue } from './issues';
import { resolveConfig } from './resolve';
import { GatewayConfigSchema, type GatewayConfigRaw } from './schema';
import { configAjv, IssueSink, ordered, reportAjv } from './schema-issues';
import type { GatewayConfig } from './types';
import { YamlSource } from './yaml-doc';

export type { GatewayConfig, InstanceConfig } from './types';

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  load?: PluginLoader;
  /** YAML text to use instead of reading `file` (tests, reload). */
  text?: string;
}

const validateTop = configAjv.compile(GatewayConfigSchema);

/**
 * Reads, substitutes, validates and resolves a config file. Collects every problem and throws one
 * `ConfigError` listing them all with file:line:col, so an operator fixes a file in one pass.
 */
export function loadConfig(file: string, opts: LoadOptions = {}): GatewayConfig {
  const path = resolve(file);
  const source = readSource(file, opts.text);
  source.substitute(opts.env ?? process.env);
  const sink = new IssueSink(file, source);
  sink.issues.push(...source.duplicateKeys());
  const top = checkTop(source, sink);
  const entries = checkEntries(top.plugins, dirname(path), opts.load ?? loadPlugin, sink);
  const issues = withEnvProblems(sink, entries);
  if (issues.length) throw new ConfigError(ordered(issues));
  return resolveConfig(path, top, entries.entries, emptyFileWarning(source, file));
}

/** Step 1: the file, parsed. Unreadable: a `GatewayError`; broken YAML: a `ConfigError` with each syntax error. */
export function readSource(file: string, text?: string): YamlSource {
  let source: YamlSource;
  try {
    source = new YamlSource(file, text);
  } catch (err) {
    throw new GatewayError(
      'E_CONFIG',
      `cannot read config file ${resolve(file)}: ${(err as Error).message}`,
      'pass an existing file with -c FILE (default config/gateway.yaml)',
    );
  }
  const syntax = source.syntaxIssues();
  if (syntax.length) throw new ConfigError(syntax);
  return source;
}

/** Step 3: the sections core owns (nats, http, log, delivery, lifecycle, the list of plugins), defaults applied. */
function checkTop(source: YamlSource, sink: IssueSink): GatewayConfigRaw {
  const raw = source.toJS();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError([
      { file: sink.file, line: 1, col: 1, path: '', message: 'the file must be a YAML mapping (nats:, http:, plugins: ...)' },
    ]);
  }
  if (!validateTop(raw)) reportAjv(validateTop.errors ?? [], [], GatewayConfigSchema, sink, { secretKeys: SECRET_KEYS });
  return raw as GatewayConfigRaw;
}

/**
 * Adds the `${VAR}` problems to what the checks found. An unset variable leaves an empty value that also
 * breaks the schema: only the cause is reported. Unset variables of a disabled entry do not matter.
 */
function withEnvProblems(sink: IssueSink, entries: CheckedEntries): ConfigIssue[] {
  const env = new IssueSink(sink.file, sink.source);
  for (const p of sink.source.envProblems) {
    if (p.path[0] === 'plugins' && entries.disabled.has(p.path[1] as number)) continue;
    const key = p.path[p.path.length - 1];
    const manifest = p.path[0] === 'plugins' ? entries.manifests.get(p.path[1] as number) : undefined;
    const secret = typeof key === 'string' && (SECRET_KEYS.includes(key) || !!manifest?.secrets?.includes(key));
    env.at(p.path, p.message, secret && p.variable ? secretHint(p.variable) : p.hint);
  }
  const envPaths = new Set(env.issues.map((i) => i.path));
  return [...env.issues, ...sink.issues.filter((i) => !envPaths.has(i.path))];
}

/** A secret gets no default in the file: the file is shared, copied and committed; the environment is not. */
function secretHint(variable: string): string {
  return `set ${variable} in the gateway's environment (export ${variable}=..., or an .env file next to compose.yaml); keep the secret itself out of the config file`;
}

function emptyFileWarning(source: YamlSource, file: string): ConfigIssue[] {
  if (!source.empty) return [];
  return [
    {
      file,
      line: 1,
      col: 1,
      path: '',
      message: 'the file is empty: the gateway would run with the defaults and no plugin instance',
      hint: 'start from config/gateway.yaml; every key is described in docs/configuration.md',
    },
  ];
}

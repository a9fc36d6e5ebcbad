import type { ErrorObject, ValidateFunction } from 'ajv';
import { dirname, resolve } from 'node:path';
import { createAjv, describeAjvError, pointerToPath, relevantErrors } from '../contract/validate';
import type { PluginManifest } from '../plugin/types';
import { loadPlugin, type PluginLoader } from '../runtime/loader';
import { GatewayError } from '../errors';
import { didYouMean } from '../util/did-you-mean';
import { parseDuration } from './duration';
import { ConfigError, type ConfigIssue } from './issues';
import { CORE_ENTRY_KEYS, CoreEntrySchema, GatewayConfigSchema, type CoreEntry, type GatewayConfigRaw } from './schema';
import { YamlSource } from './yaml-doc';

/** One configured plugin instance: core keys, the plugin's validated options, and its manifest. */
export interface InstanceConfig extends CoreEntry {
  channel: string;
  options: Record<string, unknown>;
  manifest: PluginManifest;
  /** Position of the entry in `plugins`, for messages. */
  index: number;
}

type Durations<T, K extends keyof T> = Omit<T, K> & { [P in K]: number };

/** A validated configuration, durations in milliseconds. */
export interface GatewayConfig {
  file: string;
  nats: Durations<GatewayConfigRaw['nats'], 'dedupWindow' | 'inboundMaxAge' | 'outboundMaxAge'> & { servers: string[] };
  http: GatewayConfigRaw['http'];
  log: GatewayConfigRaw['log'];
  delivery: Durations<GatewayConfigRaw['delivery'], 'initialBackoff' | 'maxBackoff' | 'sendTimeout' | 'holdFor'>;
  lifecycle: Durations<GatewayConfigRaw['lifecycle'], 'startTimeout' | 'stopTimeout' | 'restartDelay'>;
  metrics: Durations<GatewayConfigRaw['metrics'], 'sampleInterval'>;
  instances: InstanceConfig[];
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  load?: PluginLoader;
  /** YAML text to use instead of reading `file` (tests, reload). */
  text?: string;
}

// Values that came from ${VAR} are strings: "true" and "8080" must still pass as boolean and number.
const ajv = createAjv({ coerceTypes: true });
const validateTop = ajv.compile(GatewayConfigSchema);
const validateCore = ajv.compile({ ...CoreEntrySchema, additionalProperties: true });

/**
 * Reads, substitutes, validates and resolves a config file. Collects every problem and throws one
 * `ConfigError` listing them all with file:line:col, so an operator fixes a file in one pass.
 */
export function loadConfig(file: string, opts: LoadOptions = {}): GatewayConfig {
  const env = opts.env ?? process.env;
  const load = opts.load ?? loadPlugin;
  const path = resolve(file);
  let source: YamlSource;
  try {
    source = new YamlSource(file, opts.text);
  } catch (err) {
    throw new GatewayError(
      'E_CONFIG',
      `cannot read config file ${path}: ${(err as Error).message}`,
      'pass an existing file with -c FILE (default config/gateway.yaml)',
    );
  }
  const syntax = source.syntaxIssues();
  if (syntax.length) throw new ConfigError(syntax);
  source.substitute(env);

  const issues: ConfigIssue[] = [];
  const at = (p: (string | number)[], message: string, hint?: string, key = false) => {
    const { line, col } = source.locate(p, key);
    issues.push({ file, line, col, path: dotted(p), message, ...(hint ? { hint } : {}) });
  };

  const raw = source.toJS();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError([{ file, line: 1, col: 1, path: '', message: 'the file must be a YAML mapping (nats:, http:, plugins: ...)' }]);
  }
  if (!validateTop(raw)) reportAjv(validateTop.errors ?? [], [], GatewayConfigSchema, at);
  const top = raw as GatewayConfigRaw;

  const instances: InstanceConfig[] = [];
  const seen = new Map<string, number>();
  const disabled = new Set<number>();
  (Array.isArray(top.plugins) ? top.plugins : []).forEach((entry, index) => {
    const base: (string | number)[] = ['plugins', index];
    if (typeof entry !== 'object' || entry === null) return;
    const coreValid = validateCore(entry);
    if (!coreValid) reportAjv(validateCore.errors ?? [], base, CoreEntrySchema, at);
    const core = entry as unknown as CoreEntry;
    if (core.enabled === false) disabled.add(index);
    // A bad core key must not hide typos in the plugin's keys: keep checking while `use` is usable.
    if (typeof core.use !== 'string' || core.use === '') return;
    let manifest: PluginManifest;
    try {
      manifest = load(core.use, dirname(path));
    } catch (err) {
      const e = err as GatewayError;
      at([...base, 'use'], e.message, e.hint);
      return;
    }
    const options: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entry)) if (!CORE_ENTRY_KEYS.includes(k)) options[k] = v;
    const before = issues.length;
    validateOptions(manifest, options, core.enabled !== false, base, at);
    if (!coreValid) return;
    if (core.enabled && issues.length === before && manifest.validate) {
      for (const p of manifest.validate(options)) at([...base, p.key], p.message, p.hint);
    }
    const key = `${manifest.name}/${core.account}`;
    if (core.enabled) {
      if (seen.has(key)) {
        at(
          [...base, 'account'],
          `a second enabled "${manifest.name}" instance with account "${core.account}" (the first is plugins[${seen.get(key)}])`,
          'give each instance of a channel its own account name',
        );
      }
      seen.set(key, index);
    }
    instances.push({ ...core, channel: manifest.name, options, manifest, index });
  });

  // Missing ${VAR} of a disabled instance are fine: its values are never used.
  const schemaIssues = issues.splice(0);
  for (const p of source.envProblems) {
    if (p.path[0] === 'plugins' && disabled.has(p.path[1] as number)) continue;
    at(p.path, p.message, p.hint);
  }
  // An unset variable leaves an empty value that also breaks the schema: report the cause only.
  const envPaths = new Set(issues.map((i) => i.path));
  issues.push(...schemaIssues.filter((i) => !envPaths.has(i.path)));
  if (issues.length) throw new ConfigError(ordered(issues));

  const n = top.nats;
  return {
    file: path,
    nats: {
      ...n,
      servers: Array.isArray(n.servers)
        ? n.servers
        : n.servers
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
      ...(n.creds ? { creds: resolve(dirname(path), n.creds) } : {}),
      dedupWindow: parseDuration(n.dedupWindow),
      inboundMaxAge: parseDuration(n.inboundMaxAge),
      outboundMaxAge: parseDuration(n.outboundMaxAge),
    },
    http: top.http,
    log: top.log,
    delivery: {
      ...top.delivery,
      initialBackoff: parseDuration(top.delivery.initialBackoff),
      maxBackoff: parseDuration(top.delivery.maxBackoff),
      sendTimeout: parseDuration(top.delivery.sendTimeout),
      holdFor: parseDuration(top.delivery.holdFor),
    },
    lifecycle: {
      startTimeout: parseDuration(top.lifecycle.startTimeout),
      stopTimeout: parseDuration(top.lifecycle.stopTimeout),
      restartDelay: parseDuration(top.lifecycle.restartDelay),
    },
    metrics: { ...top.metrics, sampleInterval: parseDuration(top.metrics.sampleInterval) },
    instances,
  };
}

const optionValidators = new WeakMap<PluginManifest, ValidateFunction>();

function validateOptions(
  manifest: PluginManifest,
  options: Record<string, unknown>,
  enabled: boolean,
  base: (string | number)[],
  at: (p: (string | number)[], message: string, hint?: string, key?: boolean) => void,
): void {
  let validate = optionValidators.get(manifest);
  const schema = { additionalProperties: false, ...manifest.options };
  if (!validate) {
    validate = ajv.compile(schema);
    optionValidators.set(manifest, validate);
  }
  if (validate(options)) return;
  const known = [...CORE_ENTRY_KEYS, ...Object.keys((manifest.options.properties as object | undefined) ?? {})];
  // A disabled entry is still checked for typos, but not for values it does not need yet.
  const errors = (validate.errors ?? []).filter((e: ErrorObject) => enabled || e.keyword === 'additionalProperties');
  reportAjv(errors, base, schema, at, known);
}

function reportAjv(
  errors: ErrorObject[],
  base: (string | number)[],
  schema: unknown,
  at: (p: (string | number)[], message: string, hint?: string, key?: boolean) => void,
  knownTopKeys?: string[],
): void {
  // A value that fits no branch of a union (a duration: integer or "30s") gets one issue, not one per branch.
  const values = new Map<string, { path: (string | number)[]; tokens: (string | number)[]; messages: string[] }>();
  for (const e of relevantErrors(errors)) {
    const tokens = e.instancePath
      .split('/')
      .slice(1)
      .map((t) => (/^\d+$/.test(t) ? Number(t) : t.replace(/~1/g, '/').replace(/~0/g, '~')));
    const path = [...base, ...tokens];
    if (e.keyword === 'additionalProperties') {
      const key = String(e.params.additionalProperty);
      const known = tokens.length === 0 && knownTopKeys ? knownTopKeys : keysAt(schema, tokens);
      const hint = didYouMean(key, known);
      at([...path, key], `unknown key "${key}"`, hint ? `did you mean "${hint}"?` : `known keys here: ${known.join(', ')}`, true);
    } else if (e.keyword === 'required') {
      const key = String(e.params.missingProperty);
      at(path, `missing required key "${key}"`, describeSchema(schema, [...tokens, key]));
    } else {
      const msg = describeAjvError({ ...e, instancePath: '' }).replace(/^field "" /, '');
      const entry = values.get(e.instancePath) ?? { path, tokens, messages: [] };
      if (!entry.messages.includes(msg)) entry.messages.push(msg);
      values.set(e.instancePath, entry);
    }
  }
  for (const v of values.values()) at(v.path, v.messages.join(' or '), describeSchema(schema, v.tokens));
}

function keysAt(schema: unknown, tokens: (string | number)[]): string[] {
  let node = schema as { properties?: Record<string, unknown>; items?: unknown } | undefined;
  for (const t of tokens) node = (typeof t === 'number' ? node?.items : node?.properties?.[t]) as typeof node;
  return node?.properties ? Object.keys(node.properties) : [];
}

function describeSchema(schema: unknown, tokens: (string | number)[]): string | undefined {
  let node = schema as { properties?: Record<string, unknown>; items?: unknown; description?: string } | undefined;
  for (const t of tokens) node = (typeof t === 'number' ? node?.items : node?.properties?.[t]) as typeof node;
  return node?.description;
}

function dotted(p: (string | number)[]): string {
  return pointerToPath(p.length ? `/${p.join('/')}` : '');
}

/** Issues without repeats, in file order, so an operator can fix them top to bottom. */
function ordered(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues
    .filter((i) => {
      const k = `${i.line}:${i.col}:${i.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.col - b.col);
}

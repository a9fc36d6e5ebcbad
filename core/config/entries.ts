import type { ErrorObject, ValidateFunction } from 'ajv';
import type { PluginManifest } from '../plugin/types';
import type { PluginLoader } from '../plugin/loader';
import type { GatewayError } from '../errors';
import { CORE_ENTRY_KEYS, CoreEntrySchema, type CoreEntryRaw } from './schema';
import { configAjv, reportAjv, type IssueSink } from './schema-issues';

/** A plugin entry that passed its checks as far as they got: its core keys, its options, its plugin. */
export interface CheckedEntry {
  core: CoreEntryRaw;
  channel: string;
  options: Record<string, unknown>;
  manifest: PluginManifest;
  index: number;
}

export interface CheckedEntries {
  entries: CheckedEntry[];
  /** Indexes of entries with `enabled: false`: their unset variables do not matter. */
  disabled: Set<number>;
  /** The plugin of each entry whose `use` loaded, by index: what its secrets are. */
  manifests: Map<number, PluginManifest>;
}

/**
 * Checks each plugin entry: core's keys, then the plugin it names (loaded), its options against the
 * plugin's schema, the plugin's own cross-key checks, and that no two enabled entries share a channel
 * and account. A bad core key does not hide typos in the plugin's keys.
 */
export function checkEntries(plugins: unknown, baseDir: string, load: PluginLoader, sink: IssueSink): CheckedEntries {
  const out: CheckedEntries = { entries: [], disabled: new Set(), manifests: new Map() };
  const seen = new Map<string, number>();
  (Array.isArray(plugins) ? plugins : []).forEach((entry: unknown, index) => {
    const base: (string | number)[] = ['plugins', index];
    if (typeof entry !== 'object' || entry === null) return;
    const coreValid = validateCore(entry);
    if (!coreValid) reportAjv(validateCore.errors ?? [], base, CoreEntrySchema, sink);
    const core = entry as CoreEntryRaw;
    if (core.enabled === false) out.disabled.add(index);
    if (typeof core.use !== 'string' || core.use === '') return;
    let manifest: PluginManifest;
    try {
      manifest = load(core.use, baseDir);
    } catch (err) {
      const e = err as GatewayError;
      sink.at([...base, 'use'], e.message, e.hint);
      return;
    }
    out.manifests.set(index, manifest);
    const options: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entry)) if (!CORE_ENTRY_KEYS.includes(k)) options[k] = v;
    const before = sink.issues.length;
    validateOptions(manifest, options, core.enabled !== false, base, sink);
    if (!coreValid) return;
    if (core.enabled && sink.issues.length === before && manifest.validate) {
      for (const p of manifest.validate(options)) sink.at([...base, p.key], p.message, p.hint);
    }
    const key = `${manifest.name}/${core.account}`;
    if (core.enabled) {
      if (seen.has(key)) {
        sink.at(
          [...base, 'account'],
          `a second enabled "${manifest.name}" instance with account "${core.account}" (the first is plugins[${seen.get(key)}])`,
          'give each instance of a channel its own account name',
        );
      }
      seen.set(key, index);
    }
    out.entries.push({ core, channel: manifest.name, options, manifest, index });
  });
  return out;
}

// Core's keys only: the plugin's keys are checked against its own schema.
const validateCore = configAjv.compile({ ...CoreEntrySchema, additionalProperties: true });
const optionValidators = new WeakMap<PluginManifest, ValidateFunction>();

function validateOptions(
  manifest: PluginManifest,
  options: Record<string, unknown>,
  enabled: boolean,
  base: (string | number)[],
  sink: IssueSink,
): void {
  const schema = { additionalProperties: false, ...manifest.options };
  let validate = optionValidators.get(manifest);
  if (!validate) {
    validate = configAjv.compile(schema);
    optionValidators.set(manifest, validate);
  }
  if (validate(options)) return;
  const known = [...CORE_ENTRY_KEYS, ...Object.keys((manifest.options.properties as object | undefined) ?? {})];
  // A disabled entry is still checked for typos, but not for values it does not need yet.
  const errors = (validate.errors ?? []).filter((e: ErrorObject) => enabled || e.keyword === 'additionalProperties');
  reportAjv(errors, base, schema, sink, { knownTopKeys: known, secretKeys: manifest.secrets ?? [] });
}

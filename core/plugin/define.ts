import { NamePattern } from '../contract/schemas';
import type { OptionsSchema, PluginManifest } from './types';
import { capabilityProblems } from './capabilities';
import { parseApiVersion } from './version';

const MANIFEST = Symbol.for('chat-gateway.plugin-manifest');

/**
 * Declares a channel plugin. The module that calls it must default-export the result. With `options`
 * written in TypeBox, `validate` and `secrets` are typed from it, and `OptionsOf<typeof schema>` is the
 * type the adapter injects with `@inject(Options)`.
 */
export function definePlugin<S extends OptionsSchema>(manifest: PluginManifest<S>): PluginManifest<S> {
  const problems = manifestProblems(manifest);
  if (problems.length) throw new TypeError(`definePlugin(${JSON.stringify(manifest?.name)}): ${problems.join('; ')}`);
  Object.defineProperty(manifest, MANIFEST, { value: true });
  return manifest;
}

/**
 * What is wrong with the shape of a value that should be a plugin manifest (empty when nothing is).
 * Whether its `apiVersion` fits this gateway is the loader's question (`apiVersionMismatch`).
 */
export function manifestProblems(m: unknown): string[] {
  if (typeof m !== 'object' || m === null) return ['the manifest must be an object made with definePlugin({...})'];
  const x = m as Partial<PluginManifest>;
  const problems: string[] = [];
  if (typeof x.name !== 'string' || !new RegExp(NamePattern).test(x.name)) problems.push(`name must match ${NamePattern}`);
  if (!parseApiVersion(x.apiVersion))
    problems.push(`apiVersion must be a whole number or a string such as "1.2" or "1.x" (got ${JSON.stringify(x.apiVersion)})`);
  if (typeof x.options !== 'object' || x.options === null || (x.options as { type?: unknown }).type !== 'object') {
    problems.push('options must be a JSON Schema with type "object"');
  }
  if (typeof x.adapter !== 'function') problems.push('adapter must be an @injectable() class');
  else problems.push(...capabilityProblems(x.capabilities, x.adapter));
  const declared = parseApiVersion(x.apiVersion);
  if (declared && declared.minor < 2 && x.capabilities !== undefined) {
    problems.push(`capabilities are plugin API 1.2, but apiVersion is ${JSON.stringify(x.apiVersion)}: declare apiVersion: '1.2'`);
  }
  return problems;
}

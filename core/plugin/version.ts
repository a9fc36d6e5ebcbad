import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The plugin API this core speaks, as `major.minor`. A major version changes what existing plugins rely
 * on; a minor version only adds (a new context member, a new helper). A plugin runs on a gateway with the
 * same major and at least the minor it declares.
 */
export const PLUGIN_API_VERSION = 1;
/** The minor version of the plugin API this core speaks (see {@link PLUGIN_API_VERSION}). */
export const PLUGIN_API_MINOR = 2;

/** What a manifest may declare as `apiVersion`: `1`, `'1'`, `'1.x'` (any minor) or `'1.2'` (1.2 or later). */
export type ApiVersion = number | string;

const FORM = /^(\d+)(?:\.(\d+|x))?$/;

/** The major and minor a declared `apiVersion` asks for, or undefined when it has another form. */
export function parseApiVersion(v: unknown): { major: number; minor: number } | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? { major: v, minor: 0 } : undefined;
  if (typeof v !== 'string') return undefined;
  const m = FORM.exec(v.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: m[2] === undefined || m[2] === 'x' ? 0 : Number(m[2]) };
}

/**
 * Why a plugin declaring `declared` cannot run on this core, with what to do about it; undefined when it
 * can. `declared` must already be well-formed (see {@link parseApiVersion}).
 */
export function apiVersionMismatch(declared: ApiVersion): { message: string; hint: string } | undefined {
  const want = parseApiVersion(declared)!;
  const have = `${PLUGIN_API_VERSION}.${PLUGIN_API_MINOR}`;
  const gateway = `chat-gateway ${gatewayVersion()}, plugin API ${have}`;
  const asked = `${want.major}.${want.minor}`;
  if (want.major > PLUGIN_API_VERSION || (want.major === PLUGIN_API_VERSION && want.minor > PLUGIN_API_MINOR)) {
    return {
      message: `it needs plugin API ${asked}, newer than this gateway's (${gateway})`,
      hint: `upgrade chat-gateway to a release newer than ${gatewayVersion()} that has plugin API ${asked} (docs/plugins.md lists which release added each), or use a version of the plugin made for plugin API ${have}`,
    };
  }
  if (want.major < PLUGIN_API_VERSION) {
    return {
      message: `it is made for plugin API ${want.major}, which this gateway no longer speaks (${gateway})`,
      hint: `upgrade the plugin to a version made for plugin API ${PLUGIN_API_VERSION}.x`,
    };
  }
  return undefined;
}

let version: string | undefined;

/** This package's version, read from its package.json (found from here in the sources, in dist and when installed). */
export function gatewayVersion(): string {
  if (version) return version;
  version = 'unknown';
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name !== 'chat-gateway') continue;
    version = pkg.version ?? 'unknown';
    break;
  }
  return version;
}

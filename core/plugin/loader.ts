import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { manifestProblems } from './define';
import { apiVersionMismatch } from './version';
import type { PluginManifest } from './types';
import { GatewayError } from '../errors';
import { didYouMean } from '../util/did-you-mean';

/**
 * Built-in channels by name. The only place core names a plugin: everything else reaches plugins
 * through their manifest.
 */
const builtins: Record<string, () => unknown> = {
  feishu: () => require('../../plugins/feishu'),
  webchat: () => require('../../plugins/webchat'),
  slack: () => require('../../plugins/slack'),
  telegram: () => require('../../plugins/telegram'),
  dingtalk: () => require('../../plugins/dingtalk'),
  wecom: () => require('../../plugins/wecom'),
  discord: () => require('../../plugins/discord'),
};

export const BUILTIN_PLUGINS = Object.keys(builtins);

export type PluginLoader = (use: string, baseDir: string) => PluginManifest;

/** Loads a plugin module by built-in name, package name, or path relative to `baseDir` (the config file's folder). */
export const loadPlugin: PluginLoader = (use, baseDir) => {
  const builtin = builtins[use];
  let mod: unknown;
  if (builtin) {
    mod = builtin();
  } else {
    const isPath = use.startsWith('.') || isAbsolute(use);
    const target = isPath ? resolve(baseDir, use) : use;
    if (isPath && !existsSync(target) && !['.js', '.ts', '.cjs'].some((ext) => existsSync(target + ext))) {
      throw new GatewayError('E_PLUGIN_LOAD', `plugin "${use}" not found at ${target}`, 'paths are relative to the config file');
    }
    try {
      mod = require(require.resolve(target, { paths: [baseDir, process.cwd(), __dirname] }));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (!isPath && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`'${use}'`)) throw notFound(use);
      throw new GatewayError('E_PLUGIN_LOAD', `plugin "${use}" failed to load: ${e.message}`);
    }
  }
  const manifest = (mod as { default?: unknown })?.default ?? mod;
  const problems = manifestProblems(manifest);
  if (problems.length) {
    throw new GatewayError(
      'E_PLUGIN_LOAD',
      `plugin "${use}" has an invalid manifest: ${problems.join('; ')}`,
      'the module must default-export definePlugin({ name, apiVersion: 1, options, adapter })',
    );
  }
  const mismatch = apiVersionMismatch((manifest as PluginManifest).apiVersion);
  if (mismatch) throw new GatewayError('E_PLUGIN_LOAD', `plugin "${use}" cannot run on this gateway: ${mismatch.message}`, mismatch.hint);
  return manifest as PluginManifest;
};

/**
 * A `use:` that is no built-in and no installed package. Most often a typo of a built-in name: say which.
 * Never suggest `npm install <what was typed>`: a misspelt name may be someone else's package
 * (typosquatting), so only a name taken from a plugin's own documentation should be installed.
 */
function notFound(use: string): GatewayError {
  const close = didYouMean(use, BUILTIN_PLUGINS);
  const builtins = `built-in plugins: ${BUILTIN_PLUGINS.join(', ')}`;
  return new GatewayError(
    'E_PLUGIN_LOAD',
    `plugin "${use}" is neither built in nor an installed package`,
    close
      ? `did you mean "${close}"? (${builtins})`
      : `${builtins}; a third-party plugin must be installed first, under the exact package name its documentation gives (npm install <that name>), or given as a path such as ./plugins/my-channel`,
  );
}

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type GatewayConfig } from '../../core/config/load';
import { ConfigError, type ConfigIssue } from '../../core/config/issues';
import { writeConfig } from './harness';

/** Loads YAML text as a config file with exactly `env` as the environment. */
export function load(file: string, env: NodeJS.ProcessEnv = {}): GatewayConfig {
  return loadConfig(file, { env });
}

/** Loads a config file that must be invalid and returns the error with every issue it lists. */
export function configError(file: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    loadConfig(file, { env });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`expected ${file} to be rejected, but it loaded`);
}

/** A temp folder with the given files (name → content); returns its path. */
export function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cg-files-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/** The issues loading YAML text (no environment) reports; none when it loads. */
export function configIssues(yaml: string): ConfigIssue[] {
  try {
    loadConfig(writeConfig(yaml), { env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
}

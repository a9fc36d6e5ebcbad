import { dirname, resolve } from 'node:path';
import { Type } from '@sinclair/typebox';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { connectionOptions } from '../bus/connect';
import { readSource, type GatewayConfig } from '../config/load';
import { ConfigError, type ConfigIssue } from '../config/issues';
import { resolveNats, splitList } from '../config/resolve';
import { NatsConfigSchema, type GatewayConfigRaw } from '../config/schema';
import { createAjv, describeAjvError } from '../contract/validate';
import { GatewayError } from '../errors';
import { loadPlugin } from '../plugin/loader';
import { didYouMean } from '../util/did-you-mean';

/** What the operator commands need from a config file: how to reach NATS, and which instances it runs. */
export interface OpsConfig {
  file: string;
  nats: GatewayConfig['nats'];
  instances: Array<{ channel: string; account: string; enabled: boolean; allowFrom?: string[] }>;
}

const ajv = createAjv({ coerceTypes: true });
const validateNats = ajv.compile(Type.Object(NatsConfigSchema.properties, { additionalProperties: false }));

/**
 * Reads a config file the way `status`, `reload` and `pair` need it: only `nats` must be valid. Plugin
 * entries are read leniently, so an operator's shell without the bots' secrets (`${FEISHU_APP_SECRET}`
 * unset) can still run these commands against the same file.
 */
export function readOpsConfig(file: string, env: NodeJS.ProcessEnv = process.env): OpsConfig {
  const source = readSource(file);
  source.substitute(env);
  const raw = (source.toJS() ?? {}) as { nats?: unknown; plugins?: unknown };
  const issues: ConfigIssue[] = [];
  const at = (path: (string | number)[], message: string, hint?: string, key = false) =>
    issues.push({ file, ...source.locate(path, key), path: path.join('.'), message, ...(hint ? { hint } : {}) });
  for (const p of source.envProblems) if (p.path[0] === 'nats') at(p.path, p.message, p.hint);
  const nats = (typeof raw.nats === 'object' && raw.nats !== null ? raw.nats : {}) as Record<string, unknown>;
  if (!validateNats(nats)) {
    for (const e of validateNats.errors ?? []) {
      const path = ['nats', ...e.instancePath.split('/').slice(1)];
      if (e.keyword === 'additionalProperties') {
        const key = String(e.params.additionalProperty);
        const hint = didYouMean(key, Object.keys(NatsConfigSchema.properties));
        at([...path, key], `unknown key "${key}"`, hint ? `did you mean "${hint}"?` : undefined, true);
      } else at(path, describeAjvError(e).replace(/^field "[^"]*" /, ''));
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return {
    file,
    nats: resolveNats(nats as unknown as GatewayConfigRaw['nats'], resolve(file)),
    instances: roster(raw.plugins, dirname(resolve(file))),
  };
}

function roster(plugins: unknown, baseDir: string): OpsConfig['instances'] {
  if (!Array.isArray(plugins)) return [];
  const out: OpsConfig['instances'] = [];
  for (const entry of plugins as Array<Record<string, unknown>>) {
    if (typeof entry !== 'object' || entry === null || typeof entry.use !== 'string') continue;
    let channel = entry.use;
    try {
      channel = loadPlugin(entry.use, baseDir).name;
    } catch {
      // Shown under the name written in the file; `validate` says what is wrong with it.
    }
    const account = typeof entry.account === 'string' && entry.account ? entry.account : 'default';
    const enabled = entry.enabled === undefined || entry.enabled === true || entry.enabled === 'true';
    const allowFrom = Array.isArray(entry.allowFrom)
      ? entry.allowFrom.map(String)
      : typeof entry.allowFrom === 'string'
        ? splitList(entry.allowFrom)
        : undefined;
    out.push({ channel, account, enabled, ...(allowFrom ? { allowFrom } : {}) });
  }
  return out;
}

/** Connects for one command: no reconnecting, a clear error when NATS is not there. */
export async function connectOps(cfg: OpsConfig['nats']): Promise<NatsConnection> {
  try {
    return await connect({ ...connectionOptions(cfg), maxReconnectAttempts: 0, reconnect: false, timeout: 5000 });
  } catch (err) {
    throw new GatewayError(
      'E_NATS',
      `cannot connect to NATS at ${cfg.servers.join(', ')}: ${(err as Error).message}`,
      "the commands use nats.servers of the config file (or NATS_URL); is the gateway's NATS running and reachable from here?",
    );
  }
}

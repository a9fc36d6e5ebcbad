import { dirname, resolve } from 'node:path';
import { parseDuration } from './duration';
import type { CheckedEntry } from './entries';
import type { ConfigIssue } from './issues';
import type { GatewayConfig, InstanceConfig } from './types';
import type { GatewayConfigRaw } from './schema';

/** `"a, b,,c"` → `["a", "b", "c"]`: how one environment variable holds several values (servers, sender ids). */
export function splitList(value: string | string[]): string[] {
  if (Array.isArray(value)) return value;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The NATS settings as the runtime uses them: a list of servers, a creds path from the config's folder, durations in ms. */
export function resolveNats(n: GatewayConfigRaw['nats'], file: string): GatewayConfig['nats'] {
  return {
    ...n,
    servers: splitList(n.servers),
    ...(n.creds ? { creds: resolve(dirname(file), n.creds) } : {}),
    dedupWindow: parseDuration(n.dedupWindow),
    inboundMaxAge: parseDuration(n.inboundMaxAge),
    outboundMaxAge: parseDuration(n.outboundMaxAge),
  };
}

/** The last step of `loadConfig`: a validated file as the runtime uses it. */
export function resolveConfig(file: string, top: GatewayConfigRaw, entries: CheckedEntry[], warnings: ConfigIssue[]): GatewayConfig {
  const instances = entries.map(({ core, channel, options, manifest, index }): InstanceConfig => {
    const { allowFrom, ...rest } = core;
    return { ...rest, ...(allowFrom === undefined ? {} : { allowFrom: splitList(allowFrom) }), channel, options, manifest, index };
  });
  return {
    file,
    nats: resolveNats(top.nats, file),
    http: top.http,
    log: top.log,
    delivery: {
      ...top.delivery,
      initialBackoff: parseDuration(top.delivery.initialBackoff),
      maxBackoff: parseDuration(top.delivery.maxBackoff),
      sendTimeout: parseDuration(top.delivery.sendTimeout),
      holdFor: parseDuration(top.delivery.holdFor),
      remember: parseDuration(top.delivery.remember),
    },
    media: {
      ...top.media,
      ttl: parseDuration(top.media.ttl),
      fetchTimeout: parseDuration(top.media.fetchTimeout),
    },
    lifecycle: {
      startTimeout: parseDuration(top.lifecycle.startTimeout),
      stopTimeout: parseDuration(top.lifecycle.stopTimeout),
      restartDelay: parseDuration(top.lifecycle.restartDelay),
    },
    metrics: { ...top.metrics, sampleInterval: parseDuration(top.metrics.sampleInterval) },
    instances,
    warnings,
  };
}

import { isDeepStrictEqual } from 'node:util';
import type { GatewayConfig, InstanceConfig } from '../config/load';

/** What a reload did, by instance (`channel/account`). */
export interface ReloadSummary {
  added: string[];
  removed: string[];
  restarted: string[];
  unchanged: string[];
}

export interface ReloadPlan {
  /** Enabled entries of the new config that no running instance has. */
  added: InstanceConfig[];
  /** Running instances whose entry is gone or disabled. */
  removed: string[];
  /** Running instances whose resolved entry changed: stopped, then started with the new one. */
  restarted: InstanceConfig[];
  unchanged: string[];
  /** Top-level sections that changed but only take effect after a restart of the process. */
  needsRestart: Array<'nats' | 'http' | 'metrics'>;
}

export const instanceKey = (i: Pick<InstanceConfig, 'channel' | 'account'>) => `${i.channel}/${i.account}`;

/**
 * What an instance runs with: its core keys, its plugin's options and manifest, and the delivery and
 * lifecycle settings its outbound worker and restarts use. Its position in `plugins` is not part of it.
 */
function resolved(i: InstanceConfig, c: GatewayConfig): unknown {
  const { index: _index, manifest: _manifest, ...entry } = i;
  return { entry, delivery: c.delivery, lifecycle: c.lifecycle };
}

/** Compares the running config with a new one, instance by instance. */
export function planReload(current: GatewayConfig, next: GatewayConfig): ReloadPlan {
  const running = new Map(current.instances.filter((i) => i.enabled).map((i) => [instanceKey(i), i]));
  const wanted = next.instances.filter((i) => i.enabled);
  const plan: ReloadPlan = { added: [], removed: [], restarted: [], unchanged: [], needsRestart: [] };
  for (const i of wanted) {
    const before = running.get(instanceKey(i));
    if (!before) plan.added.push(i);
    else if (before.manifest !== i.manifest || !isDeepStrictEqual(resolved(before, current), resolved(i, next))) plan.restarted.push(i);
    else plan.unchanged.push(instanceKey(i));
  }
  const kept = new Set(wanted.map(instanceKey));
  plan.removed = [...running.keys()].filter((k) => !kept.has(k));
  if (!isDeepStrictEqual(current.nats, next.nats)) plan.needsRestart.push('nats');
  if (!isDeepStrictEqual(current.http, next.http)) plan.needsRestart.push('http');
  if (!isDeepStrictEqual(current.metrics, next.metrics)) plan.needsRestart.push('metrics');
  return plan;
}

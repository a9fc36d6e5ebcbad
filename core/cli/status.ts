import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { readActivity, type Activity } from '../bus/activity';
import { readStatuses } from '../bus/status';
import type { StatusEvent } from '../contract/schemas';
import { subjects } from '../contract/subjects';
import { readOrReport, reportError, type Io } from './io';
import { connectOps, readOpsConfig } from './ops-config';
import { ago, clip, renderTable } from './table';

/** One instance as `status` shows it. */
export interface InstanceStatus extends Activity {
  channel: string;
  account: string;
  /** Listed in the config file and enabled. */
  enabled: boolean;
  /** Listed in the config file at all (false: only a gateway with another config reported it). */
  inConfig: boolean;
  /** The last reported state; `unknown` when none was, `disabled` for an entry with `enabled: false`. */
  state: StatusEvent['state'] | 'unknown' | 'disabled';
  /** When that state was reported. */
  since?: string;
  detail?: string;
}

/**
 * `chat-gateway status`: each instance's last reported state (from the status bucket every gateway
 * writes) and its last inbound and outbound traffic (from the activity bucket). Exit 0 only when every
 * enabled instance of the config is connected.
 */
export async function status(file: string, json: boolean, io: Io, now = Date.now()): Promise<number> {
  const cfg = readOrReport(file, io, readOpsConfig);
  if (!cfg) return 1;
  let nc: NatsConnection | undefined;
  try {
    nc = await connectOps(cfg.nats);
    const s = subjects(cfg.nats.prefix);
    const kvm = new Kvm(nc);
    const reported = await readStatuses(await kvm.open(s.statusBucket)).catch(() => undefined);
    const activityKv = await kvm.open(s.activityBucket);
    const rows: InstanceStatus[] = [];
    const byKey = new Map((reported ?? []).map((e) => [`${e.channel}/${e.account}`, e]));
    for (const i of cfg.instances) {
      const key = `${i.channel}/${i.account}`;
      const e = byKey.get(key);
      byKey.delete(key);
      rows.push(await row(activityKv, i.channel, i.account, i.enabled, true, i.enabled ? e : undefined));
    }
    for (const e of byKey.values()) rows.push(await row(activityKv, e.channel, e.account, false, false, e));
    const ok = rows.filter((r) => r.enabled).every((r) => r.state === 'connected');
    if (json) {
      io.out(`${JSON.stringify({ ok, prefix: cfg.nats.prefix, instances: rows }, null, 2)}\n`);
    } else {
      io.out(
        renderTable(
          ['channel', 'account', 'state', 'since', 'detail', 'last in', 'last out'],
          rows.map((r) => [
            r.channel,
            r.account,
            r.state,
            ago(r.since, now),
            clip(r.inConfig ? r.detail : `not in ${file}${r.detail ? `; ${r.detail}` : ''}`),
            ago(r.lastInbound, now),
            ago(r.lastOutbound, now),
          ]),
        ),
      );
      if (!reported)
        io.out(`\nno status bucket ${s.statusBucket} on this NATS: no gateway with prefix "${cfg.nats.prefix}" has run here yet\n`);
      else if (!ok) io.out(`\nnot every enabled instance is connected: see the detail column and the gateway's log\n`);
    }
    return ok ? 0 : 1;
  } catch (err) {
    if (reportError(err, io)) return 1;
    throw err;
  } finally {
    await nc?.close();
  }
}

async function row(
  kv: KV,
  channel: string,
  account: string,
  enabled: boolean,
  inConfig: boolean,
  e: StatusEvent | undefined,
): Promise<InstanceStatus> {
  const state: InstanceStatus['state'] = inConfig && !enabled ? 'disabled' : (e?.state ?? 'unknown');
  const activity = await readActivity(kv, channel, account).catch((): Activity => ({}));
  return {
    channel,
    account,
    enabled,
    inConfig,
    state,
    ...(e ? { since: e.time } : {}),
    ...(e?.detail ? { detail: e.detail } : {}),
    ...activity,
  };
}

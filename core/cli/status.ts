import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { readActivity, type Activity } from '../bus/activity';
import { readStatuses } from '../bus/status';
import { subjects } from '../contract/subjects';
import { requestStatus, type ReplicaStatus } from '../runtime/status-control';
import { readOrReport, reportError, type Io } from './io';
import { connectOps, readOpsConfig } from './ops-config';
import { ago, clip, renderTable } from './table';

/** One instance as `status` shows it: what the running gateways say of it, and its last traffic. */
export interface InstanceStatus extends Activity {
  channel: string;
  account: string;
  /** Where its entry comes from (`file`: a gateway's config file; `nats`: the accounts bucket). */
  source?: 'file' | 'nats';
  /**
   * The worst state its replicas report (`connected`, `reconnecting`, `failed`, `starting`...),
   * `disabled` for an entry with `enabled: false`, `refused` for a bucket entry a gateway refused, and
   * `stale` for one the status bucket has but no running gateway claims (its gateway died).
   */
  state: string;
  /** When that state was reported. */
  since?: string;
  detail?: string;
  /** What to check, for a failed start. */
  hint?: string;
  /** How many running replicas run it, and which one sends its outbound envelopes. */
  replicas: number;
  sending?: string;
}

/** States, from the worst: the one a table shows for an instance run by several replicas. */
const WORST_FIRST = ['failed', 'reconnecting', 'starting', 'pending', 'stopped', 'connected'];

/**
 * `chat-gateway status`: asks every running gateway on the config's NATS and prefix what it runs (a
 * request each replica answers) and shows each instance's state, its last traffic, and which replica
 * sends for it. An entry of the status bucket no live gateway claims is shown as stale. Nothing is read
 * from the config file but how to reach NATS: not `enabled:`, not secrets. Exit 0 only when a gateway
 * answered and every instance it runs is connected.
 */
export async function status(file: string, json: boolean, io: Io, now = Date.now()): Promise<number> {
  const cfg = readOrReport(file, io, readOpsConfig);
  if (!cfg) return 1;
  let nc: NatsConnection | undefined;
  try {
    nc = await connectOps(cfg.nats);
    const s = subjects(cfg.nats.prefix);
    const replicas = await requestStatus(nc, s);
    const kvm = new Kvm(nc);
    const reported = await kvm
      .open(s.statusBucket)
      .then((kv) => readStatuses(kv))
      .catch(() => []);
    const activity = await kvm.open(s.activityBucket).catch(() => undefined);
    const rows = merge(replicas, reported);
    for (const r of rows) Object.assign(r, activity ? await readActivity(activity, r.channel, r.account).catch((): Activity => ({})) : {});
    const running = rows.filter((r) => r.replicas > 0 && r.state !== 'disabled');
    const ok =
      replicas.length > 0 &&
      running.every((r) => r.state === 'connected') &&
      !rows.some((r) => r.state === 'refused' || (r.state === 'stale' && r.detail?.includes('connected')));
    if (json) {
      io.out(
        `${JSON.stringify({ ok, prefix: cfg.nats.prefix, replicas: replicas.map(({ replica, version, startedAt }) => ({ replica, version, startedAt })), instances: rows }, null, 2)}\n`,
      );
      return ok ? 0 : 1;
    }
    if (!replicas.length) {
      io.out(
        `no gateway is running with prefix "${cfg.nats.prefix}" on ${cfg.nats.servers.join(', ')}: none answered on ${s.control('status')}\n`,
      );
      if (rows.length) io.out(`\nwhat the status bucket last heard (stale):\n${table(rows, now)}`);
      return 1;
    }
    io.out(
      `${replicas.length} gateway replica${replicas.length === 1 ? '' : 's'} running (${replicas.map((r) => r.replica).join(', ')})\n\n${table(rows, now)}`,
    );
    if (!ok) io.out(`\nnot every instance is connected: see the detail column and the gateway's log\n`);
    for (const r of rows.filter((x) => x.hint && x.state === 'failed')) io.out(`  ${r.channel}/${r.account}: ${r.hint}\n`);
    return ok ? 0 : 1;
  } catch (err) {
    if (reportError(err, io)) return 1;
    throw err;
  } finally {
    await nc?.close();
  }
}

function table(rows: InstanceStatus[], now: number): string {
  return renderTable(
    ['channel', 'account', 'state', 'since', 'replicas', 'sending', 'last in', 'last out', 'detail'],
    rows.map((r) => [
      r.channel,
      r.account,
      r.state,
      ago(r.since, now),
      String(r.replicas),
      r.sending ? clip(r.sending, 24) : '-',
      ago(r.lastInbound, now),
      ago(r.lastOutbound, now),
      clip(r.detail, 60),
    ]),
  );
}

/** One row per instance: the replicas' answers merged, then what only the status bucket still lists. */
function merge(replicas: ReplicaStatus[], reported: Awaited<ReturnType<typeof readStatuses>>): InstanceStatus[] {
  const rows = new Map<string, InstanceStatus>();
  for (const replica of replicas) {
    for (const i of replica.instances) {
      const key = `${i.channel}/${i.account}`;
      const row = rows.get(key) ?? { channel: i.channel, account: i.account, source: i.source, state: 'connected', replicas: 0 };
      rows.set(key, row);
      if (i.lifecycle === 'disabled') {
        Object.assign(row, { state: 'disabled', detail: 'enabled: false' });
        continue;
      }
      row.replicas++;
      if (i.sending) row.sending = replica.replica;
      const state = i.lifecycle === 'failed' ? 'failed' : (i.state ?? i.lifecycle);
      if (row.replicas === 1 || WORST_FIRST.indexOf(state) < WORST_FIRST.indexOf(row.state)) {
        Object.assign(row, {
          state,
          ...(i.since ? { since: i.since } : {}),
          ...((i.error ?? i.detail) ? { detail: i.error ?? i.detail } : {}),
          ...(i.hint ? { hint: i.hint } : {}),
        });
      }
    }
    for (const { key, problems } of replica.refused) {
      const [channel = key, account = ''] = key.split('.');
      if (!rows.has(`${channel}/${account}`))
        rows.set(`${channel}/${account}`, { channel, account, source: 'nats', state: 'refused', replicas: 0, detail: problems.join('; ') });
    }
  }
  for (const e of reported) {
    const key = `${e.channel}/${e.account}`;
    if (rows.has(key)) continue;
    rows.set(key, {
      channel: e.channel,
      account: e.account,
      state: 'stale',
      since: e.time,
      replicas: 0,
      detail: `last reported ${e.state} by a gateway that is no longer running${e.detail ? ` (${e.detail})` : ''}`,
    });
  }
  return [...rows.values()];
}

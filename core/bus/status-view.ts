import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { readActivity, type Activity } from './activity';
import { readStatuses } from './status';
import type { Subjects } from '../contract/subjects';
import { requestStatus, type ReplicaStatus } from './status-control';

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

/** Everything operators see: the running replicas, one row per instance, and whether all is well. */
export interface StatusView {
  replicas: Array<Pick<ReplicaStatus, 'replica' | 'version' | 'startedAt' | 'storage'>>;
  rows: InstanceStatus[];
  /** A gateway answered, every one can store in JetStream, every instance it runs is connected, nothing was refused or died running. */
  ok: boolean;
}

/**
 * Asks every running gateway what it runs and adds what the status and activity buckets know: what
 * `chat-gateway status` prints and the status page shows.
 */
export async function collectStatus(nc: NatsConnection, s: Subjects): Promise<StatusView> {
  const answers = await requestStatus(nc, s);
  const kvm = new Kvm(nc);
  const reported = await kvm
    .open(s.statusBucket)
    .then((kv) => readStatuses(kv))
    .catch(() => []);
  const activity = await kvm.open(s.activityBucket).catch(() => undefined);
  const rows = merge(answers, reported);
  for (const r of rows) Object.assign(r, activity ? await readActivity(activity, r.channel, r.account).catch((): Activity => ({})) : {});
  const running = rows.filter((r) => r.replicas > 0 && r.state !== 'disabled');
  const ok =
    answers.length > 0 &&
    answers.every((a) => a.storage?.ok !== false) &&
    running.every((r) => r.state === 'connected') &&
    !rows.some((r) => r.state === 'refused' || (r.state === 'stale' && r.detail?.includes('connected')));
  return {
    replicas: answers.map(({ replica, version, startedAt, storage }) => ({ replica, version, startedAt, ...(storage ? { storage } : {}) })),
    rows,
    ok,
  };
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

import { subjects } from '../contract/subjects';
import { collectStatus, type InstanceStatus } from '../bus/status-view';
import { readOrReport, type Io } from './io';
import { withNats } from './with-nats';
import { readOpsConfig } from './ops-config';
import { ago, clip, renderTable } from './table';

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
  return withNats(cfg, io, async (nc) => {
    const s = subjects(cfg.nats.prefix);
    const { replicas, rows, ok } = await collectStatus(nc, s);
    if (json) {
      io.out(`${JSON.stringify({ ok, prefix: cfg.nats.prefix, replicas, instances: rows }, null, 2)}\n`);
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
    const unable = replicas.filter((r) => r.storage && !r.storage.ok);
    for (const r of unable) io.out(`\n${r.replica}: cannot store: ${r.storage!.cause} (since ${r.storage!.since})\n`);
    if (unable.length) io.out(`JetStream cannot store: nothing is acknowledged to the platforms until it can; see docs/operations.md\n`);
    else if (!ok) io.out(`\nnot every instance is connected: see the detail column and the gateway's log\n`);
    for (const r of rows.filter((x) => x.hint && x.state === 'failed')) io.out(`  ${r.channel}/${r.account}: ${r.hint}\n`);
    return ok ? 0 : 1;
  });
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

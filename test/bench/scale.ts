/** Scale: many Feishu accounts in one gateway process: time to connect, RSS, inbound spread over all. */
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { subjects } from '../../core/contract/subjects';
import type { FeishuEmulator } from '../emulators/feishu';
import { gatewayText, inboundRound } from './inbound';
import { settledWithin } from '../../core/plugin/timing';
import { addApps, startGateway, type App } from './setup';
import { rssMb, summarise, withCpu, type Round, type Row } from './stats';

export async function scaleRows(
  emu: FeishuEmulator,
  nc: NatsConnection,
  natsUrl: string,
  counts: number[],
  rounds: number,
  monitorPort?: number,
): Promise<Row[]> {
  const rows: Row[] = [];
  let smallest: { accounts: number; rssMb: number; subs: number } | undefined;
  for (const k of counts) {
    const apps = addApps(emu, k, `s${k}x`);
    const connections = readyCounter(emu, apps);
    const t0 = Date.now();
    let g;
    try {
      g = await startGateway(natsUrl, emu.url, apps, { timeoutMs: 180_000 });
    } catch (err) {
      connections.stop();
      rows.push({
        scenario: `scale ${k} accounts`,
        system: 'gateway',
        rounds: 0,
        rate: { median: NaN, min: NaN, max: NaN },
        lost: 0,
        note: `did not start: ${(err as Error).message}`,
      });
      continue;
    }
    const readyMs = Date.now() - t0;
    await settledWithin(connections.all, Math.max(0, 180_000 - readyMs));
    connections.stop();
    const connected = connections.count();
    const connectedMs = (connections.allAt ?? Date.now()) - t0;
    const rssIdle = rssMb(g.gw.pid);
    const ids = apps.map((a) => a.appId);
    const n = Math.max(2000, 2 * k);
    const load = { kind: 'burst' as const, n, inFlight: 500 };
    await inboundRound(emu, nc, `${g.prefix}.in.>`, gatewayText, ids, load);
    const rs: Round[] = [];
    for (let r = 0; r < rounds; r++)
      rs.push(await withCpu(g.gw.pid, n, () => inboundRound(emu, nc, `${g.prefix}.in.>`, gatewayText, ids, load)));
    const rssLoaded = rssMb(g.gw.pid);
    const nats = await natsSide(nc, g.prefix, monitorPort);
    await g.gw.kill('SIGTERM');
    const restart = await restartTime(emu, natsUrl, apps, g.prefix);
    const row = summarise(
      `scale ${k} account(s)`,
      'gateway',
      rs,
      `${connected}/${k} connected in ${(connectedMs / 1000).toFixed(1)} s (/readyz ${(readyMs / 1000).toFixed(1)} s), after a restart (consumers kept) in ${(restart.connectedMs / 1000).toFixed(1)} s; RSS ${rssIdle.toFixed(0)} MB idle, ${rssLoaded.toFixed(0)} MB after traffic; burst ${n} events spread over all accounts; NATS: ${nats.consumers} consumers, ${nats.subscriptions} subscriptions${growth(smallest, k, rssIdle, nats.subscriptions)}`,
    );
    row.extra = {
      accounts: k,
      connected,
      connectedMs,
      readyMs,
      restartMs: restart.connectedMs,
      rssIdleMb: rssIdle,
      rssLoadedMb: rssLoaded,
      ...nats,
    };
    if (!smallest || k < smallest.accounts) smallest = { accounts: k, rssMb: rssIdle, subs: nats.subscriptions };
    rows.push(row);
    process.stdout.write(`  scale ${k}: ${row.note}\n`);
  }
  return rows;
}

/** A deploy: the same accounts started again on the same prefix, so their consumers and buckets exist. */
async function restartTime(emu: FeishuEmulator, natsUrl: string, apps: App[], prefix: string): Promise<{ connectedMs: number }> {
  const connections = readyCounter(emu, apps);
  const t0 = Date.now();
  const g = await startGateway(natsUrl, emu.url, apps, { timeoutMs: 180_000, prefix }).catch(() => undefined);
  if (!g) {
    connections.stop();
    return { connectedMs: NaN };
  }
  await settledWithin(connections.all, 180_000);
  connections.stop();
  const connectedMs = (connections.allAt ?? NaN) - t0;
  await g.gw.kill('SIGTERM');
  return { connectedMs };
}

/**
 * Counts the apps whose long connection is ready (the emulator's 'ready' event: the first ping), and
 * when the last one was: no polling of 10,000 apps, which would take CPU from the gateway it measures.
 */
function readyCounter(emu: FeishuEmulator, apps: Array<{ appId: string }>) {
  const waiting = new Set(apps.map((a) => a.appId));
  let allAt: number | undefined;
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  const onReady = ({ appId }: { appId: string }) => {
    if (!waiting.delete(appId) || waiting.size) return;
    allAt = Date.now();
    done();
  };
  emu.on('ready', onReady);
  return {
    all,
    get allAt() {
      return allAt;
    },
    count: () => apps.length - waiting.size,
    stop: () => emu.off('ready', onReady),
  };
}

/** The gateway's footprint on the NATS server: consumers on its streams, subscriptions of its connections. */
async function natsSide(nc: NatsConnection, prefix: string, monitorPort?: number): Promise<{ consumers: number; subscriptions: number }> {
  const jsm = await jetstreamManager(nc);
  const s = subjects(prefix);
  let consumers = 0;
  for (const stream of [s.inStream, s.outStream]) for await (const _ of jsm.consumers.list(stream)) consumers++;
  let subscriptions = NaN;
  if (monitorPort) {
    const res = await fetch(`http://127.0.0.1:${monitorPort}/connz?subs=1&limit=1000`);
    const connz = (await res.json()) as { connections: Array<{ name?: string; subscriptions: number }> };
    subscriptions = connz.connections.filter((c) => c.name === 'chat-gateway').reduce((n, c) => n + c.subscriptions, 0);
  }
  return { consumers, subscriptions };
}

/** What one more account costs, from the smallest row of this run. */
function growth(from: { accounts: number; rssMb: number; subs: number } | undefined, k: number, rssMb: number, subs: number): string {
  if (!from || k <= from.accounts) return '';
  const n = k - from.accounts;
  return `; per extra account: ${(((rssMb - from.rssMb) * 1024) / n).toFixed(0)} KB RSS, ${((subs - from.subs) / n).toFixed(2)} subscriptions`;
}

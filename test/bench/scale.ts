/** Scale: many Feishu accounts in one gateway process: time to connect, RSS, inbound spread over all. */
import type { NatsConnection } from '@nats-io/transport-node';
import type { FeishuEmulator } from '../emulators/feishu';
import { gatewayText, inboundRound } from './inbound';
import { addApps, pause, startGateway } from './setup';
import { rssMb, summarise, withCpu, type Round, type Row } from './stats';

export async function scaleRows(
  emu: FeishuEmulator,
  nc: NatsConnection,
  natsUrl: string,
  counts: number[],
  rounds: number,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const k of counts) {
    const apps = addApps(emu, k, `s${k}x`);
    const t0 = Date.now();
    let g;
    try {
      g = await startGateway(natsUrl, emu.url, apps, { timeoutMs: 180_000 });
    } catch (err) {
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
    const ready = () => apps.filter((a) => emu.connectionInfo(a.appId).some((c) => c.ready)).length;
    while (ready() < k && Date.now() - t0 < 180_000) await pause(50);
    const connectedMs = Date.now() - t0;
    const connected = ready();
    const rssIdle = rssMb(g.gw.pid);
    const ids = apps.map((a) => a.appId);
    const n = Math.max(2000, 2 * k);
    const load = { kind: 'burst' as const, n, inFlight: 500 };
    await inboundRound(emu, nc, `${g.prefix}.in.>`, gatewayText, ids, load);
    const rs: Round[] = [];
    for (let r = 0; r < rounds; r++)
      rs.push(await withCpu(g.gw.pid, n, () => inboundRound(emu, nc, `${g.prefix}.in.>`, gatewayText, ids, load)));
    const rssLoaded = rssMb(g.gw.pid);
    const row = summarise(
      `scale ${k} account(s)`,
      'gateway',
      rs,
      `${connected}/${k} connected in ${(connectedMs / 1000).toFixed(1)} s (/readyz ${(readyMs / 1000).toFixed(1)} s); RSS ${rssIdle.toFixed(0)} MB idle, ${rssLoaded.toFixed(0)} MB after traffic; burst ${n} events spread over all accounts`,
    );
    row.extra = { accounts: k, connected, connectedMs, readyMs, rssIdleMb: rssIdle, rssLoadedMb: rssLoaded };
    rows.push(row);
    process.stdout.write(`  scale ${k}: ${row.note}\n`);
    await g.gw.kill('SIGTERM');
  }
  return rows;
}

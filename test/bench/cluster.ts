/** The cluster rows: inbound and outbound throughput at `nats.replicas` 1 and 3 on one local 3-node JetStream cluster. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FeishuEmulator } from '../emulators/feishu';
import { ALLOW_ALL, feishuEntry } from '../support/feishu';
import { GatewayProcess, processConfigFile } from '../support/gateway-process';
import { NatsCluster } from '../support/nats-cluster';
import { uniquePrefix } from '../support/nats-server';
import { gatewayText, inboundRound } from './inbound';
import { gatewayOutRound } from './outbound';
import { addApps, type App } from './setup';
import { summarise, withCpu, type Round, type Row } from './stats';

const OUT_ACCOUNTS = 40;
const OUT_N = 2000;
const IN_N = 2000;

/** A gateway process on node n1 of the cluster (it learns the others) at `nats.replicas: replicas`. */
async function gatewayAt(cluster: NatsCluster, emuUrl: string, apps: App[], replicas: number) {
  const prefix = uniquePrefix();
  const entries = apps.map((a) => feishuEntry(emuUrl, a, ALLOW_ALL, a.account)).join('');
  const { file, url, log } = await processConfigFile(cluster.node('n1').url, prefix, entries);
  writeFileSync(file, readFileSync(file, 'utf8').replace('  autoStart: false\n', `  autoStart: false\n  replicas: ${replicas}\n`));
  const gw = new GatewayProcess(file, url, log);
  await gw.start(90_000);
  return { gw, prefix };
}

export async function clusterRows(
  emu: FeishuEmulator,
  rounds: (what: string, round: () => Promise<Round>, gapMs?: number) => Promise<Round[]>,
  log: (s: string) => void,
): Promise<Row[]> {
  const cluster = await NatsCluster.start(3);
  let nc: NatsConnection | undefined;
  const rows: Row[] = [];
  try {
    nc = await cluster.client('n1');
    const by: Record<number, { in: Row; out: Row }> = {};
    for (const replicas of [1, 3]) {
      const inApps = addApps(emu, 1, `cin${replicas}_`);
      const outApps = addApps(emu, OUT_ACCOUNTS, `cout${replicas}_`);
      const g = await gatewayAt(cluster, emu.url, [...inApps, ...outApps], replicas);
      await emu.waitForConnections(inApps[0]!.appId, 1, 20_000);
      const r1 = replicas === 1 ? undefined : by[1];
      const inRow = summarise(
        `cluster inbound burst ${IN_N}, R${replicas}`,
        'gateway',
        await rounds(`cluster inbound R${replicas}`, () =>
          withCpu(g.gw.pid, IN_N, () =>
            inboundRound(emu, nc!, `${g.prefix}.in.>`, gatewayText, [inApps[0]!.appId], { kind: 'burst', n: IN_N, inFlight: 500 }),
          ),
        ),
        `3-node local cluster, nats.replicas ${replicas}; events/s frame pushed → envelope on <prefix>.in.>${r1 ? '; "vs base" = vs R1' : ''}`,
        r1?.in,
      );
      const chats = OUT_N / OUT_ACCOUNTS / 2;
      const accounts = outApps.map((a) => a.account);
      const outRow = summarise(
        `cluster outbound ${OUT_N}, ${OUT_ACCOUNTS} apps, R${replicas}`,
        'gateway',
        await rounds(
          `cluster outbound R${replicas}`,
          () => withCpu(g.gw.pid, OUT_N, () => gatewayOutRound(emu, nc!, g.prefix, accounts, OUT_N, chats)),
          1300,
        ),
        `3-node local cluster, nats.replicas ${replicas}; msgs/s publish → emulator accepted${r1 ? '; "vs base" = vs R1' : ''}`,
        r1?.out,
      );
      by[replicas] = { in: inRow, out: outRow };
      rows.push(inRow, outRow);
      await g.gw.kill('SIGTERM');
    }
    const ratio = (a: Row, b: Row) => (a.rate.median / b.rate.median).toFixed(2);
    log(`cluster R1/R3 throughput: inbound ${ratio(by[1]!.in, by[3]!.in)}, outbound ${ratio(by[1]!.out, by[3]!.out)}`);
  } finally {
    await nc?.close();
    await cluster.close();
  }
  return rows;
}

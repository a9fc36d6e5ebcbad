/** Provisioning: accounts put into the accounts bucket at once, on a running gateway, until all are connected. */
import type { NatsConnection } from '@nats-io/transport-node';
import { AccountsStore } from '../../core/accounts/store';
import { subjects } from '../../core/contract/subjects';
import type { FeishuEmulator } from '../emulators/feishu';
import { feishuEntry } from '../support/feishu';
import { GatewayProcess, processConfigFile } from '../support/gateway-process';
import { uniquePrefix } from '../support/nats-server';
import { addApps, pause } from './setup';
import { rssMb, type Row } from './stats';

export async function provisionRow(emu: FeishuEmulator, nc: NatsConnection, natsUrl: string, k: number): Promise<Row> {
  const prefix = uniquePrefix();
  const [fileApp] = addApps(emu, 1, 'pvfile');
  const { file, url, log } = await processConfigFile(
    natsUrl,
    prefix,
    feishuEntry(emu.url, fileApp!, '    allowFrom: ["*"]\n', 'fromfile'),
    'accounts:\n  fromNats: true\n',
  );
  const gw = new GatewayProcess(file, url, log);
  await gw.start(60_000);
  await emu.waitForConnections(fileApp!.appId, 1, 10_000);
  const before = emu.connectionInfo(fileApp!.appId).length;
  const apps = addApps(emu, k, 'pv');
  const accounts = await AccountsStore.open(nc, subjects(prefix));
  const t0 = Date.now();
  await Promise.all(
    apps.map((a, i) =>
      accounts.put('feishu', { account: `customer-${i}`, appId: a.appId, appSecret: a.appSecret, domain: emu.url, allowFrom: ['*'] }),
    ),
  );
  const putMs = Date.now() - t0;
  const ready = () => apps.filter((a) => emu.connectionInfo(a.appId).some((c) => c.ready)).length;
  while (ready() < k && Date.now() - t0 < 180_000) await pause(50);
  const connectedMs = Date.now() - t0;
  const connected = ready();
  const untouched = emu.connectionInfo(fileApp!.appId).length === before;
  const rss = rssMb(gw.pid);
  await gw.kill('SIGTERM');
  const note = `${connected}/${k} provisioned accounts connected ${(connectedMs / 1000).toFixed(1)} s after the puts began (puts took ${(putMs / 1000).toFixed(1)} s); the file's account ${untouched ? 'kept its one connection' : 'was reconnected'}; RSS ${rss.toFixed(0)} MB`;
  process.stdout.write(`  provision ${k}: ${note}\n`);
  return {
    scenario: `provision ${k.toLocaleString('en')} accounts over NATS`,
    system: 'gateway',
    rounds: 1,
    rate: { median: connected / (connectedMs / 1000), min: NaN, max: NaN },
    lost: k - connected,
    note,
    extra: { accounts: k, connected, connectedMs, putMs, untouched, rssMb: rss },
  };
}

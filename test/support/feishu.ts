import { randomBytes } from 'node:crypto';
import { FeishuEmulator } from '../emulators/feishu';
import { loopbackConfig } from './harness';

/** Long-connection settings that make the SDK reconnect at once in tests (Feishu's are minutes). */
export const FAST_RECONNECT = { ReconnectCount: -1, ReconnectInterval: 0.2, ReconnectNonce: 0, PingInterval: 120 };

export async function startEmulator(): Promise<FeishuEmulator> {
  const emu = new FeishuEmulator({ clientConfig: FAST_RECONNECT, ackTimeoutMs: 3000 });
  await emu.start();
  return emu;
}

/** A fresh app on the emulator: credentials in the shape Feishu issues them. */
export function newApp(emu: FeishuEmulator, botName = 'Data Bot') {
  const appId = `cli_${randomBytes(8).toString('hex')}`;
  const appSecret = randomBytes(16).toString('hex');
  const info = emu.addApp({ appId, appSecret, botName });
  return { ...info, appSecret };
}

/** A gateway config with one Feishu entry pointed at the emulator (extra keys indented as entry keys). */
export function feishuConfig(
  natsUrl: string,
  prefix: string,
  emuUrl: string,
  app: { appId: string; appSecret: string },
  extra = '',
  account = 'default',
): string {
  return loopbackConfig(
    natsUrl,
    prefix,
    `  - use: feishu
    account: ${account}
    appId: ${app.appId}
    appSecret: ${app.appSecret}
    domain: ${emuUrl}
${extra}`,
  );
}

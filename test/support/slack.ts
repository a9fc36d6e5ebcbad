import { SlackEmulator, type AppInfo, type EmulatorOptions } from '../emulators/slack';
import type { GatewayTest } from './fixture';
import { loopbackConfig, pluginEntry } from './harness';
import { uniquePrefix } from './nats-server';

/** Slack's timings shrunk for tests: ack within 1.5 s, retries after 0.3 s, 1 s, then every 2 s. */
export const FAST: EmulatorOptions = {
  ackTimeoutMs: 1500,
  retryDelaysMs: [300, 1000, 2000, 2000, 2000, 2000, 2000, 2000],
  pingIntervalMs: 2000,
  disconnectGraceMs: 1000,
};

export async function startEmulator(opts: EmulatorOptions = {}): Promise<SlackEmulator> {
  const emu = new SlackEmulator({ ...FAST, ...opts });
  await emu.start();
  return emu;
}

/** An app, two people, a channel with the bot and both people, and the first person's DM with the bot. */
export function workspace(emu: SlackEmulator, scopes?: string[], assistant = false) {
  const app = emu.addApp({ name: 'Data Bot', assistant, ...(scopes ? { scopes } : {}) });
  const tom = emu.addUser({ name: 'tom', realName: 'Tom Li', displayName: 'Tom' });
  const ann = emu.addUser({ name: 'ann', realName: 'Ann Ko', displayName: 'Ann' });
  const channel = emu.addChannel({ name: 'sales', members: [app.botUserId, tom.id, ann.id] }).id;
  const dm = emu.dm(app.appId, tom.id);
  return { app, tom, ann, channel, dm };
}

/** A gateway config with one Slack entry pointed at the emulator (extra keys indented as entry keys). */
export function slackConfig(
  natsUrl: string,
  prefix: string,
  apiUrl: string,
  app: Pick<AppInfo, 'appToken' | 'botToken'>,
  extra = '',
  account = 'default',
  sections = '',
): string {
  return loopbackConfig(natsUrl, prefix, slackEntry(apiUrl, app, extra, account), sections);
}

/** The Slack entry of a gateway config (`extra`: entry keys, indented). */
export function slackEntry(apiUrl: string, app: Pick<AppInfo, 'appToken' | 'botToken'>, extra = '', account = 'default'): string {
  return pluginEntry('slack', { account, appToken: app.appToken, botToken: app.botToken, apiUrl }, extra);
}

/**
 * A gateway with one Slack entry (`extra`: entry keys) for a fresh workspace, on a prefix of its own;
 * resolves once Socket Mode is connected.
 */
export async function bootSlack(t: GatewayTest<SlackEmulator>, extra = '    allowFrom: ["*"]\n', scopes?: string[]) {
  const ws = workspace(t.emu, scopes);
  const gw = await t.boot(slackConfig(t.nats.url, uniquePrefix(), t.emu.apiUrl, ws.app, extra));
  await t.emu.waitForConnections(ws.app.appId, 1);
  return { ...ws, gw };
}

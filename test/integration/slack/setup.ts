import { SlackEmulator, type AppInfo, type EmulatorOptions } from '../../emulators/slack';
import { loopbackConfig } from '../../support';

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

/** A Slack entry of a gateway config pointed at the emulator (extra keys indented as entry keys). */
export function slackEntry(apiUrl: string, app: Pick<AppInfo, 'appToken' | 'botToken'>, extra = '', account = 'default'): string {
  return `  - use: slack
    account: ${account}
    appToken: ${app.appToken}
    botToken: ${app.botToken}
    apiUrl: ${apiUrl}
${extra}`;
}

/** A gateway config with one Slack entry pointed at the emulator (extra keys indented as entry keys). */
export function slackConfig(
  natsUrl: string,
  prefix: string,
  apiUrl: string,
  app: Pick<AppInfo, 'appToken' | 'botToken'>,
  extra = '',
  account = 'default',
): string {
  return loopbackConfig(natsUrl, prefix, slackEntry(apiUrl, app, extra, account));
}

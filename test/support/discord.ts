import { DiscordEmulator, type AppInfo, type EmulatorOptions } from '../emulators/discord';
import { loopbackConfig, pluginEntry } from './harness';

/** Discord's timings shrunk for tests: heartbeats every 1 s (Discord: 41.25 s). */
export const FAST: EmulatorOptions = { heartbeatIntervalMs: 1000 };

export async function startEmulator(opts: EmulatorOptions = {}): Promise<DiscordEmulator> {
  const emu = new DiscordEmulator({ ...FAST, ...opts });
  await emu.start();
  return emu;
}

/** An app, two people, a guild "Sales" with #general and #random holding the bot and both, and Tom's DM with the bot. */
export function server(emu: DiscordEmulator, app: { messageContent?: boolean; serverMembers?: boolean } = {}) {
  const bot = emu.addApp({ name: 'Data Bot', ...app });
  const tom = emu.addUser({ name: 'tom', displayName: 'Tom' });
  const ann = emu.addUser({ name: 'ann', displayName: 'Ann' });
  const guild = emu.addGuild({ name: 'Sales', apps: [bot.appId], members: [tom.id, ann.id], channels: ['general', 'random'] });
  const dm = emu.dm(bot.appId, tom.id);
  return { app: bot, tom, ann, guild: guild.id, channel: guild.channels[0]!, other: guild.channels[1]!, dm };
}

/** The Discord entry of a gateway config (`extra`: entry keys, indented 4). */
export function discordEntry(apiUrl: string, app: Pick<AppInfo, 'token'>, extra = '', account = 'default'): string {
  return pluginEntry('discord', { account, token: app.token, apiUrl }, extra);
}

/** A gateway config with one Discord entry pointed at the emulator. */
export function discordConfig(
  natsUrl: string,
  prefix: string,
  apiUrl: string,
  app: Pick<AppInfo, 'token'>,
  extra = '',
  sections = '',
): string {
  return loopbackConfig(natsUrl, prefix, discordEntry(apiUrl, app, extra), sections);
}

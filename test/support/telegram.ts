import { TelegramEmulator, type BotInfo } from '../emulators/telegram';
import type { GatewayTest } from './fixture';
import { loopbackConfig, pluginEntry } from './harness';
import { uniquePrefix } from './nats-server';

export async function startEmulator(): Promise<TelegramEmulator> {
  const emu = new TelegramEmulator();
  await emu.start();
  return emu;
}

/** A gateway config with one Telegram entry pointed at the emulator (extra lines are entry keys, 4 spaces in). */
export function telegramConfig(natsUrl: string, prefix: string, emuUrl: string, token: string, extra = '', account = 'default'): string {
  return loopbackConfig(natsUrl, prefix, pluginEntry('telegram', { account, token, apiRoot: emuUrl }, extra));
}

/** A gateway with one Telegram entry (`extra`: entry keys) for `bot`; resolves once it long-polls. */
export async function bootTelegram(
  t: GatewayTest<TelegramEmulator>,
  bot: BotInfo,
  extra = '    allowFrom: ["*"]\n',
  prefix = uniquePrefix(),
) {
  const gw = await t.boot(telegramConfig(t.nats.url, prefix, t.emu.url, bot.token, extra));
  await t.emu.waitForPoll(bot);
  return gw;
}

import { WeComEmulator, type BotInfo, type EmulatorOptions } from '../emulators/wecom';
import { pluginEntry } from './harness';

/** WeCom's timings shrunk for tests: a callback pushed again after 1 s, event answers within 5 s as WeCom. */
export const FAST: EmulatorOptions = { replyWindowMs: 1000, pushes: 3 };

export async function startEmulator(opts: EmulatorOptions = {}): Promise<WeComEmulator> {
  const emu = new WeComEmulator({ ...FAST, ...opts });
  await emu.start();
  return emu;
}

/** The WeCom entry of a gateway config for `bot` on the emulator (`extra`: entry keys, indented 4). */
export function wecomEntry(wsUrl: string, bot: Pick<BotInfo, 'botId' | 'secret'>, extra = '', account = 'default'): string {
  return pluginEntry('wecom', { account, botId: bot.botId, secret: bot.secret, wsUrl, heartbeatMs: '1000', streamPaceMs: '50' }, extra);
}

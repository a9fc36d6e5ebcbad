/** Where the emulator's own tests start. */
import { TelegramEmulator, type BotInfo } from '.';

/** A started emulator with one bot, `@data_bot`, whose privacy mode is off (it gets every group message). */
export async function startWithBot(): Promise<{ emu: TelegramEmulator; bot: BotInfo }> {
  const emu = new TelegramEmulator();
  await emu.start();
  return { emu, bot: emu.addBot({ username: 'data_bot', privacy: false }) };
}

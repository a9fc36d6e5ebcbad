import type { BotInfo, WeComEmulator } from '../../emulators/wecom';
import { useGatewayTest } from '../../support/fixture';
import { rigBoot, type RigOptions, type RigRun } from '../../support/rig';
import { wecomEntry } from '../../support/wecom';

/** A bot and a group with it. */
interface Team {
  bot: BotInfo;
  group: string;
}

/** One test's WeCom world: the emulator, a bot, a group with it, a gateway on it, and what reaches NATS. */
export interface WeComRun extends RigRun<WeComEmulator>, Team {
  /** The gateway's config file. */
  file: string;
}

export interface BootOptions extends RigOptions<WeComEmulator, Team> {
  allowFrom?: string;
}

/** The WeCom tests on the gateway fixture: a fresh emulator per test, `boot` a bot and a gateway connected to it. */
export function wecomRig() {
  const t = useGatewayTest({ emulator: 'wecom' });
  const boot: (o?: BootOptions) => Promise<WeComRun> = rigBoot(t, {
    channel: 'wecom',
    world: (emu) => {
      const bot = emu.addBot({ name: 'Data Bot' });
      return { bot, group: emu.addGroup([bot.botId]) };
    },
    entry: (emu, { bot }, extra) => wecomEntry(emu.wsUrl, bot, extra),
    connected: (emu, { bot }) => emu.waitForConnection(bot.botId),
    extend: (_emu, team, gw) => ({ ...team, file: gw.file }),
  });
  return { t, boot, emu: () => t.emu };
}

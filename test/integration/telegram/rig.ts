import type { BotInfo, Chat, TelegramEmulator, User } from '../../emulators/telegram';
import { useGatewayTest, type FixtureOptions } from '../../support/fixture';
import { pluginEntry } from '../../support/harness';
import { rigBoot, type RigOptions, type RigRun } from '../../support/rig';

/** A bot, Tom and Ann with private chats, and a group. */
interface Chats {
  bot: BotInfo;
  tom: User;
  ann: User;
  dm: Chat;
  group: Chat;
}

/** One test's Telegram world: a bot, Tom and Ann with private chats, a group, a gateway on it, and what reaches NATS. */
export interface TelegramRun extends RigRun<TelegramEmulator>, Chats {
  /** The Bot API methods the bot called, in order (only `methods`, lower case, when given). */
  calls(...methods: string[]): string[];
}

/** `allowFrom` is given the run's users. */
export type BootOptions = RigOptions<TelegramEmulator, Chats>;

function chats(emu: TelegramEmulator): Chats {
  const bot = emu.addBot({ username: 'data_bot', privacy: false });
  const tom = emu.user({ firstName: 'Tom' });
  const ann = emu.user({ firstName: 'Ann' });
  const dm = emu.privateChat(bot, tom);
  emu.privateChat(bot, ann);
  const group = emu.group(bot, { title: 'Sales', type: 'supergroup' });
  return { bot, tom, ann, dm, group };
}

/** The Telegram tests of plugin API 1.2 on the gateway test fixture. */
export function telegramRig(fixture: FixtureOptions = {}) {
  const t = useGatewayTest({ emulator: 'telegram', ...fixture });
  const boot: (o?: BootOptions) => Promise<TelegramRun> = rigBoot(t, {
    channel: 'telegram',
    world: chats,
    entry: (emu, { bot }, extra) => pluginEntry('telegram', { account: 'default', token: bot.token, apiRoot: emu.url }, extra),
    connected: (emu, { bot }) => emu.waitForPoll(bot),
    extend: (emu, world) => ({
      ...world,
      calls: (...methods: string[]) =>
        emu.requests
          .filter((r) => r.botId === world.bot.id && (methods.length ? methods.includes(r.method) : r.method !== 'getupdates'))
          .map((r) => r.method),
    }),
    receiptTimeoutMs: 20_000,
  });
  return { t, boot };
}

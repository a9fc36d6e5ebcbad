import { DingTalkEmulator, type AppOptions, type EmulatorOptions } from '../emulators/dingtalk';
import { pluginEntry } from './harness';

/** DingTalk's timings shrunk for tests: unacknowledged frames pushed again every 300 ms for 10 s. */
export const FAST: EmulatorOptions = { redeliverIntervalMs: 300, redeliverForMs: 10_000, pingIntervalMs: 1000 };

export async function startEmulator(opts: EmulatorOptions = {}): Promise<DingTalkEmulator> {
  const emu = new DingTalkEmulator({ ...FAST, ...opts });
  await emu.start();
  return emu;
}

/** An app with its robot, two people, a group with both and the robot, and an AI card template. */
export function organisation(emu: DingTalkEmulator, app: AppOptions = {}) {
  const bot = emu.addApp({ name: 'Data Bot', ...app });
  const tom = emu.addUser({ nick: 'Tom' });
  const ann = emu.addUser({ nick: 'Ann' });
  const group = emu.addGroup({ title: 'Sales', members: [tom.staffId, ann.staffId], robots: [bot.robotCode] }).openConversationId;
  const template = emu.addCardTemplate();
  return { bot, tom, ann, group, template };
}

/** The DingTalk entry of a gateway config pointed at the emulator (`extra`: entry keys, indented 4). */
export function dingtalkEntry(
  emu: DingTalkEmulator,
  org: Pick<ReturnType<typeof organisation>, 'bot'> & { template?: { id: string } },
  extra = '',
  account = 'default',
): string {
  return pluginEntry(
    'dingtalk',
    {
      account,
      clientId: org.bot.clientId,
      clientSecret: org.bot.clientSecret,
      apiUrl: emu.apiUrl,
      oapiUrl: emu.apiUrl,
      ...(org.template ? { cardTemplateId: org.template.id } : {}),
    },
    extra,
  );
}

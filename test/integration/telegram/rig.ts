import type { InboundAny, Receipt } from '../../../core/contract/schemas';
import type { BotInfo, Chat, EmulatorConfig, TelegramEmulator, User } from '../../emulators/telegram';
import { loopbackConfig, pluginEntry } from '../../support/harness';
import { useGatewayTest, type Booted, type FixtureOptions } from '../../support/fixture';
import type { Collector } from '../../support/collector';
import { uniquePrefix } from '../../support/nats-server';

/** One test's Telegram world: a bot, Tom and Ann with private chats, a group, a gateway on it, and what reaches NATS. */
export interface TelegramRun {
  emu: TelegramEmulator;
  bot: BotInfo;
  tom: User;
  ann: User;
  dm: Chat;
  group: Chat;
  prefix: string;
  gw: Booted;
  /** Every inbound envelope (messages and events). */
  inbox: Collector<InboundAny>;
  receipts: Collector<Receipt>;
  /** Publishes an outbound envelope for the instance. */
  send(env: Record<string, unknown>): void;
  /** The receipt of envelope `id`, once it came. */
  receipt(id: string, timeoutMs?: number): Promise<Receipt>;
  /** The Bot API methods the bot called, in order (only `methods`, lower case, when given). */
  calls(...methods: string[]): string[];
}

export interface BootOptions {
  /** YAML lines of the entry (indented 4), after its `allowFrom`. */
  extra?: string;
  /** Top-level YAML sections of the gateway config (`media:` ...). */
  top?: string;
  /** The entry's allowFrom (YAML), from the run's users; default everyone. */
  allowFrom?: (u: { tom: User; ann: User }) => string;
  emulator?: Partial<EmulatorConfig>;
}

/** The Telegram tests of plugin API 1.2 on the gateway test fixture. */
export function telegramRig(fixture: FixtureOptions = {}) {
  const t = useGatewayTest({ emulator: 'telegram', ...fixture });
  const boot = async (o: BootOptions = {}): Promise<TelegramRun> => {
    const emu = t.emu;
    if (o.emulator) emu.configure(o.emulator);
    const bot = emu.addBot({ username: 'data_bot', privacy: false });
    const tom = emu.user({ firstName: 'Tom' });
    const ann = emu.user({ firstName: 'Ann' });
    const dm = emu.privateChat(bot, tom);
    emu.privateChat(bot, ann);
    const group = emu.group(bot, { title: 'Sales', type: 'supergroup' });
    const prefix = uniquePrefix();
    const extra = `    allowFrom: ${o.allowFrom?.({ tom, ann }) ?? '["*"]'}\n${o.extra ?? ''}`;
    const entry = pluginEntry('telegram', { account: 'default', token: bot.token, apiRoot: emu.url }, extra);
    const gw = await t.boot(loopbackConfig(t.nats.url, prefix, entry, o.top ?? ''));
    await emu.waitForPoll(bot);
    return {
      emu,
      bot,
      tom,
      ann,
      dm,
      group,
      prefix,
      gw,
      inbox: gw.inbox as Collector<InboundAny>,
      receipts: gw.receipts,
      send: (env) => gw.publish('telegram.default', env),
      receipt: (id, timeoutMs = 20_000) => gw.receipts.waitForId(id, timeoutMs),
      calls: (...methods) =>
        emu.requests
          .filter((r) => r.botId === bot.id && (methods.length ? methods.includes(r.method) : r.method !== 'getupdates'))
          .map((r) => r.method),
    };
  };
  return { t, boot };
}

import type { NatsConnection } from '@nats-io/transport-node';
import type { InboundEnvelope, Receipt } from '../../../core/contract/schemas';
import { TelegramEmulator, type BotInfo } from '../../emulators/telegram';
import { Collector, loopbackConfig, startGateway, type Started } from '../../support';
import { uniquePrefix } from '../../support/nats-server';

export async function startEmulator(): Promise<TelegramEmulator> {
  const emu = new TelegramEmulator();
  await emu.start();
  return emu;
}

/** A gateway config with one Telegram entry pointed at the emulator (extra lines are entry keys, 4 spaces in). */
export function telegramConfig(natsUrl: string, prefix: string, emuUrl: string, token: string, extra = '', account = 'default'): string {
  return loopbackConfig(
    natsUrl,
    prefix,
    `  - use: telegram
    account: ${account}
    token: ${token}
    apiRoot: ${emuUrl}
${extra}`,
  );
}

export interface Booted {
  run: Started;
  prefix: string;
  inbox: Collector<InboundEnvelope>;
  receipts: Collector<Receipt>;
  statuses: Collector<{ state: string; detail?: string }>;
  close(): void;
}

/** Starts a gateway with the bot's entry and collectors on its subjects; resolves once it long-polls. */
export async function boot(
  nc: NatsConnection,
  natsUrl: string,
  emu: TelegramEmulator,
  bot: BotInfo,
  extra = '    allowFrom: ["*"]\n',
  prefix = uniquePrefix(),
): Promise<Booted> {
  const inbox = new Collector<InboundEnvelope>(nc, `${prefix}.in.>`);
  const receipts = new Collector<Receipt>(nc, `${prefix}.receipt.>`);
  const statuses = new Collector<{ state: string; detail?: string }>(nc, `${prefix}.status.>`);
  await nc.flush();
  const run = await startGateway(telegramConfig(natsUrl, prefix, emu.url, bot.token, extra));
  await emu.waitForPoll(bot);
  return {
    run,
    prefix,
    inbox,
    receipts,
    statuses,
    close: () => [inbox, receipts, statuses].forEach((c) => c.close()),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

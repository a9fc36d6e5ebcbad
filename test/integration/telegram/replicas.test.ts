import type { NatsConnection } from '@nats-io/transport-node';
import type { InboundEnvelope } from '../../../core/contract/schemas';
import type { TelegramEmulator } from '../../emulators/telegram';
import { Collector, client, eventually, startGateway, type Started } from '../../support';
import { startNats, uniquePrefix, type TestNats } from '../../support/nats-server';
import { startEmulator, telegramConfig } from './helpers';

let nats: TestNats;
let nc: NatsConnection;
let emu: TelegramEmulator;
const runs: Started[] = [];
let inbox: Collector<InboundEnvelope> | undefined;
let statuses: Collector<{ state: string; detail?: string }> | undefined;

beforeAll(async () => {
  nats = await startNats();
  nc = await client(nats.url);
});
beforeEach(async () => {
  emu = await startEmulator();
});
afterEach(async () => {
  inbox?.close();
  statuses?.close();
  for (const run of runs.splice(0)) await run.gateway.stop();
  await emu.stop();
});
afterAll(async () => {
  await nc.close();
  await nats.close();
});

test('telegram replicas - one replica polls, the other stands by; no 409; the standby takes over when the poller stops', async () => {
  const bot = emu.addBot({ username: 'data_bot' });
  const prefix = uniquePrefix();
  inbox = new Collector<InboundEnvelope>(nc, `${prefix}.in.>`);
  statuses = new Collector(nc, `${prefix}.status.telegram.>`);
  await nc.flush();
  /** A 409 that reached a poller: each replica logs it and reports status failed. */
  const conflicts = () =>
    [...runs.flatMap((r) => r.logs.messages()), ...(statuses?.items ?? []).map((s) => s.detail ?? '')].filter((m) =>
      m.includes('Conflict'),
    );
  const yaml = telegramConfig(nats.url, prefix, emu.url, bot.token, '    allowFrom: ["*"]\n');
  const first = await startGateway(yaml);
  runs.push(first);
  await emu.waitForPoll(bot);
  const second = await startGateway(yaml);
  runs.push(second);
  await eventually(
    () => second.logs.messages().some((m) => m.startsWith('exclusive role "poll" is held by another replica')),
    'the second replica stands by',
  );

  const user = emu.user({ firstName: 'Tom' });
  const chat = emu.privateChat(bot, user);
  const say = (text: string) => emu.userMessage(bot, { chat, from: user, text });
  for (let i = 0; i < 20; i++) say(`before ${i}`);
  await inbox.waitFor(20);
  expect(conflicts()).toEqual([]);
  expect(second.logs.messages()).not.toContain('Telegram channel connected via long polling');

  // A clean stop gives the role up; the standby takes it at its next try (within 2.5 s).
  const stopLogs = first.logs;
  await first.gateway.stop();
  runs.splice(runs.indexOf(first), 1);
  expect(stopLogs.messages().filter((m) => m.includes('Conflict'))).toEqual([]);
  await eventually(() => second.logs.messages().includes('Telegram channel connected via long polling'), 'the standby polls', 5000);
  for (let i = 0; i < 10; i++) say(`after ${i}`);
  await inbox.waitFor(30);
  const texts = inbox.items.map((e) => e.message.text);
  expect(new Set(texts).size).toBe(30);
  expect(texts.filter((t) => t?.startsWith('after'))).toEqual(Array.from({ length: 10 }, (_, i) => `after ${i}`));
  expect(conflicts()).toEqual([]);
  expect(statuses.items.filter((s) => s.state === 'failed')).toEqual([]);
  // The remaining replica sends too (the outbound lease moved with it).
  nc.publish(
    `${prefix}.out.telegram.default`,
    JSON.stringify({ id: 'after-takeover', conversation: { id: String(user.id) }, text: 'still here' }),
  );
  const [sent] = await emu.waitForSent(1, 15_000);
  expect(sent).toMatchObject({ text: 'still here' });
});

test('telegram replicas - a split text that failed part-way on one replica is finished by another without repeating pieces', async () => {
  const bot = emu.addBot({ username: 'data_bot' });
  const prefix = uniquePrefix();
  const receipts = new Collector<{ id: string; ok: boolean; messageIds?: string[] }>(nc, `${prefix}.receipt.>`);
  await nc.flush();
  const yaml = telegramConfig(nats.url, prefix, emu.url, bot.token, '    allowFrom: ["*"]\n');
  const first = await startGateway(yaml);
  runs.push(first);
  const user = emu.user({ firstName: 'Tom' });
  const dm = emu.privateChat(bot, user).id;
  // The first piece goes out; then Telegram says to wait 30 s, and this replica stops meanwhile.
  emu.once('sent', () => emu.failNext({ method: 'sendMessage', errorCode: 429, retryAfter: 30 }));
  const long = Array.from({ length: 3 }, (_, i) => `Part ${i}: ${'word '.repeat(700)}`).join('\n\n');
  nc.publish(`${prefix}.out.telegram.default`, JSON.stringify({ id: 'split-1', conversation: { id: String(dm) }, text: long }));
  await eventually(
    () => emu.sent.length === 1 && emu.requests.some((r) => r.method === 'sendmessage' && r.status === 429),
    'first piece sent, then a rate limit',
  );
  await first.gateway.stop();
  runs.splice(runs.indexOf(first), 1);
  expect(receipts.items).toEqual([]);

  const second = await startGateway(yaml);
  runs.push(second);
  const [r] = await receipts.waitFor(1, 30_000);
  // The stopped replica handed the envelope back: the new holder took it first, without waiting for a timeout.
  expect(second.logs.messages()).toContain("taking over outbound: the previous replica's envelopes are back; going on");
  receipts.close();
  expect(emu.sent.map((m) => m.text.slice(0, 7))).toEqual(['Part 0:', 'Part 1:', 'Part 2:']);
  expect(r).toMatchObject({ id: 'split-1', ok: true });
  expect(r!.messageIds).toEqual(emu.sent.map((m) => `${m.chatId}:${m.messageId}`));
});

import { eventually } from '../../support';
import { useGatewayTest } from '../../support/fixture';
import { uniquePrefix } from '../../support/nats-server';
import { telegramConfig } from '../../support/telegram';

const t = useGatewayTest({ emulator: 'telegram' });

test('telegram replicas - one replica polls, the other stands by; no 409; the standby takes over when the poller stops', async () => {
  const bot = t.emu.addBot({ username: 'data_bot' });
  const first = await t.boot(telegramConfig(t.nats.url, uniquePrefix(), t.emu.url, bot.token, '    allowFrom: ["*"]\n'));
  const { inbox, statuses } = first;
  const running = [first];
  /** A 409 that reached a poller: each replica logs it and reports status failed. */
  const conflicts = () =>
    [...running.flatMap((r) => r.logs.messages()), ...statuses.items.map((s) => s.detail ?? '')].filter((m) => m.includes('Conflict'));
  await t.emu.waitForPoll(bot);
  const second = await t.bootFile(first.file);
  running.push(second);
  await eventually(
    () => second.logs.messages().some((m) => m.startsWith('exclusive role "poll" is held by another replica')),
    'the second replica stands by',
  );

  const user = t.emu.user({ firstName: 'Tom' });
  const chat = t.emu.privateChat(bot, user);
  const say = (text: string) => t.emu.userMessage(bot, { chat, from: user, text });
  for (let i = 0; i < 20; i++) say(`before ${i}`);
  await inbox.waitFor(20);
  expect(conflicts()).toEqual([]);
  expect(second.logs.messages()).not.toContain('Telegram channel connected via long polling');

  // A clean stop gives the role up; the standby takes it at its next try (within 2.5 s).
  await first.stop();
  expect(first.logs.messages().filter((m) => m.includes('Conflict'))).toEqual([]);
  running.shift();
  await eventually(() => second.logs.messages().includes('Telegram channel connected via long polling'), 'the standby polls', 5000);
  for (let i = 0; i < 10; i++) say(`after ${i}`);
  await inbox.waitFor(30);
  const texts = inbox.items.map((e) => e.message.text);
  expect(new Set(texts).size).toBe(30);
  expect(texts.filter((x) => x?.startsWith('after'))).toEqual(Array.from({ length: 10 }, (_, i) => `after ${i}`));
  expect(conflicts()).toEqual([]);
  expect(statuses.items.filter((s) => s.state === 'failed')).toEqual([]);
  // The remaining replica sends too (the outbound lease moved with it).
  second.publish('telegram.default', { id: 'after-takeover', conversation: { id: String(user.id) }, text: 'still here' });
  const [sent] = await t.emu.waitForSent(1, 15_000);
  expect(sent).toMatchObject({ text: 'still here' });
});

test('telegram replicas - a split text that failed part-way on one replica is finished by another without repeating pieces', async () => {
  const bot = t.emu.addBot({ username: 'data_bot' });
  const first = await t.boot(telegramConfig(t.nats.url, uniquePrefix(), t.emu.url, bot.token, '    allowFrom: ["*"]\n'));
  const receipts = first.receipts;
  const user = t.emu.user({ firstName: 'Tom' });
  const dm = t.emu.privateChat(bot, user).id;
  // The first piece goes out; then Telegram says to wait 30 s, and this replica stops meanwhile.
  t.emu.once('sent', () => t.emu.failNext({ method: 'sendMessage', errorCode: 429, retryAfter: 30 }));
  const long = Array.from({ length: 3 }, (_, i) => `Part ${i}: ${'word '.repeat(700)}`).join('\n\n');
  first.publish('telegram.default', { id: 'split-1', conversation: { id: String(dm) }, text: long });
  await eventually(
    () => t.emu.sent.length === 1 && t.emu.requests.some((r) => r.method === 'sendmessage' && r.status === 429),
    'first piece sent, then a rate limit',
  );
  await first.stop();
  expect(receipts.items).toEqual([]);

  const second = await t.bootFile(first.file);
  const [r] = await receipts.waitFor(1, 30_000);
  // The stopped replica handed the envelope back: the new holder took it first, without waiting for a timeout.
  expect(second.logs.messages()).toContain("taking over outbound: the previous replica's envelopes are back; going on");
  expect(t.emu.sent.map((m) => m.text.slice(0, 7))).toEqual(['Part 0:', 'Part 1:', 'Part 2:']);
  expect(r).toMatchObject({ id: 'split-1', ok: true });
  expect(r!.messageIds).toEqual(t.emu.sent.map((m) => `${m.chatId}:${m.messageId}`));
});

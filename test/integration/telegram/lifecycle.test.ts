import { Kvm } from '@nats-io/kv';
import { configIssues } from '../../support/config-files';
import { eventually } from '../../support';
import { useGatewayTest } from '../../support/fixture';
import { uniquePrefix } from '../../support/nats-server';
import { bootTelegram, telegramConfig } from '../../support/telegram';

const t = useGatewayTest({ emulator: 'telegram' });

test('telegram lifecycle - a token that is not a bot token is a config error with a hint, without echoing it', () => {
  const issues = configIssues(`plugins:\n  - use: telegram\n    token: 123456:short-secret-value\n`);
  expect(issues).toHaveLength(1);
  expect(issues[0]).toMatchObject({ line: 3, path: 'plugins[0].token', message: 'not a Telegram bot token' });
  expect(issues[0]!.hint).toContain('@BotFather');
  expect(JSON.stringify(issues)).not.toContain('short-secret-value');
  const typo = configIssues(
    `plugins:\n  - use: telegram\n    token: 123456789:${'a'.repeat(35)}\n    pollTimeout: 10\n    parseMode: markdown\n`,
  );
  expect(typo.map((i) => i.message)).toEqual(expect.arrayContaining(['unknown key "pollTimeout"']));
  expect(typo.find((i) => i.message.startsWith('unknown'))!.hint).toBe('did you mean "pollTimeoutSec"?');
  expect(typo.some((i) => i.path === 'plugins[0].parseMode')).toBe(true);
  const edits = configIssues(`plugins:\n  - use: telegram\n    token: 123456789:${'a'.repeat(35)}\n    allowedUpdates: [edited_message]\n`);
  expect(edits).toEqual([expect.objectContaining({ path: 'plugins[0].allowedUpdates', message: 'allowedUpdates must include "message"' })]);
});

test('telegram lifecycle - connects by long polling, logs it and reports connected', async () => {
  const bot = t.emu.addBot({ username: 'data_bot' });
  const booted = await bootTelegram(t, bot);
  const logs = booted.logs;
  expect(logs.messages()).toContain('Telegram channel connected via long polling');
  expect(logs.find((l) => l.msg === 'Telegram bot identified')).toMatchObject({ botId: bot.id, username: 'data_bot', privacyMode: true });
  expect(logs.messages().some((m) => m.startsWith('privacy mode is on'))).toBe(true);
  const kv = await new Kvm(t.nc).open(`${booted.prefix}_status`);
  expect((await kv.get('telegram.default'))?.json()).toMatchObject({ state: 'connected', detail: 'long polling as @data_bot' });
  const held = t.emu.heldPoll(bot)!;
  expect(held.timeout).toBe(25);
});

test('telegram lifecycle - an invalid token fails the instance with "Unauthorized: check token from @BotFather"', async () => {
  const bot = t.emu.addBot();
  t.emu.revokeToken(bot);
  const gw = await t.boot(telegramConfig(t.nats.url, uniquePrefix(), t.emu.url, bot.token));
  const statuses = gw.statuses;
  await eventually(() => statuses.items.some((s) => s.state === 'failed'), 'failed status');
  expect(statuses.items.find((s) => s.state === 'failed')!.detail).toMatch(/^Unauthorized: check token from @BotFather/);
  const ready = await gw.readyz();
  expect(ready.ready).toBe(false);
  expect(ready.instances['telegram/default']!.error).toContain('Unauthorized: check token from @BotFather');
});

test('telegram lifecycle - a webhook left set is deleted, with a log line that says why', async () => {
  const bot = t.emu.addBot();
  t.emu.setWebhook(bot, 'https://old.example.com/hook/s3cret-path');
  const booted = await bootTelegram(t, bot);
  expect(t.emu.webhookUrl(bot)).toBe('');
  const line = booted.logs.find((l) => String(l.msg).startsWith('a webhook is set for this bot'))!;
  expect(line).toMatchObject({ level: 40, webhookHost: 'old.example.com' });
  expect(String(line.msg)).toContain('409 Conflict');
  expect(booted.logs.raw.join('\n')).not.toContain('s3cret-path');
});

test('telegram lifecycle - another poller with the same token is reported as a 409 conflict; polling resumes when it goes', async () => {
  const bot = t.emu.addBot();
  const booted = await bootTelegram(t, bot);
  // A second program polling with the same token: its call terminates the gateway's held poll.
  const rival = t.emu.call(bot.token, 'getUpdates', { timeout: 2 });
  await eventually(() => booted.statuses.items.some((s) => s.state === 'failed'), 'failed status');
  const failed = booted.statuses.items.find((s) => s.state === 'failed')!;
  expect(failed.detail).toContain('Conflict: terminated by other getUpdates request');
  expect(failed.detail).toContain('another process polls with this token');
  expect(booted.logs.find((l) => l.level === 50 && String(l.msg).includes('Conflict'))).toBeDefined();
  // The gateway polls again; the rival (which does not retry here) is the one terminated now.
  expect((await rival).status).toBe(409);
  await eventually(() => booted.statuses.items.at(-1)?.state === 'connected', 'connected again');
  await t.emu.waitForPoll(bot);
});

test('telegram lifecycle - network errors report reconnecting, then connected once Telegram answers again', async () => {
  const bot = t.emu.addBot();
  const booted = await bootTelegram(t, bot);
  t.emu.failNext({ method: 'getUpdates', drop: true });
  t.emu.failNext({ method: 'getUpdates', html: 502 });
  expect(t.emu.dropHeldPoll(bot)).toBe(true);
  await eventually(() => booted.statuses.items.some((s) => s.state === 'reconnecting'), 'reconnecting status');
  expect(booted.statuses.items.find((s) => s.state === 'reconnecting')!.detail).toMatch(/^Telegram unreachable/);
  await eventually(() => booted.statuses.items.at(-1)?.state === 'connected', 'connected again', 15_000);
  expect(booted.statuses.items.at(-1)!.detail).toBe('long polling restored');
  await t.emu.waitForPoll(bot);
});

test('telegram lifecycle - stop() ends a held long poll at once instead of waiting for its 25 s timeout', async () => {
  const bot = t.emu.addBot();
  const booted = await bootTelegram(t, bot);
  const held = await t.emu.waitForPoll(bot);
  expect(held.timeout).toBe(25);
  const started = Date.now();
  await booted.stop();
  const took = Date.now() - started;
  expect(took).toBeLessThan(1500);
  await eventually(() => held.outcome === 'aborted', 'the held getUpdates was abandoned by the client');
  expect(held.endedAt! - started).toBeLessThan(500);
  expect(booted.logs.messages().some((m) => /adapter stop failed|did not finish/.test(m))).toBe(false);
  await eventually(() => booted.statuses.items.at(-1)?.state === 'stopped', 'stopped status');
});

test('telegram lifecycle - the token never reaches logs or receipts, even when calls fail', async () => {
  const bot = t.emu.addBot();
  const booted = await bootTelegram(t, bot);
  t.emu.failNext({ method: 'sendMessage', drop: true, times: 10 });
  booted.publish('telegram.default', { id: 'r1', conversation: { id: '12345' }, text: 'hi' });
  const [receipt] = await booted.receipts.waitFor(1, 20_000);
  expect(receipt).toMatchObject({ ok: false, error: { code: 'E_PLATFORM', retryable: true } });
  expect(receipt!.error!.message).toMatch(/^Telegram unreachable/);
  const secret = bot.token.split(':')[1]!;
  expect(JSON.stringify(receipt)).not.toContain(secret);
  expect(booted.logs.raw.join('\n')).not.toContain(secret);
}, 40_000);

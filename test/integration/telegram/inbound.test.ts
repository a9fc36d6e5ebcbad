import type { NatsConnection } from '@nats-io/transport-node';
import type { InboundEnvelope } from '../../../core/contract/schemas';
import type { BotInfo, TelegramEmulator } from '../../emulators/telegram';
import { Collector, client, eventually, startGateway } from '../../support';
import { startNats, uniquePrefix, type TestNats } from '../../support/nats-server';
import { boot, sleep, startEmulator, telegramConfig, type Booted } from './helpers';

let nats: TestNats;
let nc: NatsConnection;
let emu: TelegramEmulator;
let bot: BotInfo;
let booted: Booted | undefined;

beforeAll(async () => {
  nats = await startNats();
  nc = await client(nats.url);
});
beforeEach(async () => {
  emu = await startEmulator();
  bot = emu.addBot({ username: 'data_bot', privacy: false });
});
afterEach(async () => {
  booted?.close();
  await booted?.run.gateway.stop();
  booted = undefined;
  await emu.stop();
});
afterAll(async () => {
  await nc.close();
  await nats.close();
});

const tom = () => emu.user({ firstName: 'Tom', lastName: 'Lee', username: 'tomlee' });

test('telegram inbound - a private message becomes a direct envelope; its id is <chat_id>:<message_id>', async () => {
  booted = await boot(nc, nats.url, emu, bot);
  const user = tom();
  const chat = emu.privateChat(bot, user);
  const { message } = emu.userMessage(bot, { chat, from: user, text: 'how many new customers this week?' });
  const [env] = await booted.inbox.waitFor(1);
  expect(env).toMatchObject({
    id: `telegram:default:${user.id}:${message.message_id}`,
    channel: 'telegram',
    conversation: { id: String(user.id), type: 'direct' },
    sender: { id: String(user.id), name: 'Tom Lee', kind: 'user' },
    message: { id: `${user.id}:${message.message_id}`, text: 'how many new customers this week?', mentioned: false },
    session: `telegram:default:${user.id}`,
    time: new Date(message.date * 1000).toISOString(),
  });
  await eventually(() => emu.pendingUpdates(bot).length === 0, 'update confirmed');
});

test('telegram inbound - in groups only what addresses the bot passes: @username, /command@bot, text_mention, a reply to it', async () => {
  booted = await boot(nc, nats.url, emu, bot);
  const user = tom();
  const group = emu.group(bot, { title: 'Sales', type: 'supergroup' });
  const say = (text: string, extra: Record<string, unknown> = {}) =>
    emu.userMessage(bot, { chat: group, from: user, text, ...extra }).message;
  say('hello all');
  say('@data_bot how many?');
  say('/report@data_bot weekly');
  say('cc @someone_else');
  say('/report@other_bot');
  const question = emu.botMessage(bot, group, 'Which region?');
  const reply = say('north', { replyTo: question.message_id });
  say('Data Bot, status?', { entities: [{ type: 'text_mention', offset: 0, length: 8, user: bot.user }] });
  await booted.inbox.waitFor(4);
  await sleep(300);
  const texts = booted.inbox.items.map((e) => e.message.text);
  expect(texts).toEqual(['@data_bot how many?', '/report@data_bot weekly', 'north', '@Data Bot, status?']);
  expect(booted.inbox.items.every((e) => e.message.mentioned && e.conversation.type === 'group' && e.conversation.name === 'Sales')).toBe(
    true,
  );
  expect(booted.inbox.items[0]!.message.parts).toEqual([
    { type: 'mention', id: String(bot.id), name: 'data_bot', self: true },
    { type: 'text', text: ' how many?' },
  ]);
  expect(booted.inbox.items[1]!.message.parts[0]).toEqual({ type: 'text', text: '/report' });
  expect(booted.inbox.items[2]!.message.replyTo).toBe(`${group.id}:${question.message_id}`);
  expect(booted.inbox.items[2]!.message.id).toBe(`${group.id}:${reply.message_id}`);
  expect(booted.inbox.items[0]!.session).toBe(`telegram:default:${group.id}:${user.id}`);
  // Dropped ones are still confirmed: Telegram does not give them again.
  await eventually(() => emu.pendingUpdates(bot).length === 0, 'all updates confirmed');
});

test('telegram inbound - forum topics: the thread is message_thread_id; the topic root is not a reply; service messages are skipped', async () => {
  booted = await boot(nc, nats.url, emu, bot, '    allowFrom: ["*"]\n    groupPolicy: open\n    session: thread\n');
  const user = tom();
  const forum = emu.group(bot, { forum: true, title: 'Support' });
  const { threadId } = emu.createTopic(bot, forum, 'Billing', user);
  const first = emu.userMessage(bot, { chat: forum, from: user, threadId, text: 'invoice missing' }).message;
  emu.userMessage(bot, { chat: forum, from: user, threadId, text: 'also VAT', replyTo: first.message_id });
  emu.userMessage(bot, { chat: forum, from: user, text: 'in General' });
  const items = await booted.inbox.waitFor(3);
  await sleep(200);
  expect(items).toHaveLength(3);
  expect(items[0]!.conversation).toEqual({ id: String(forum.id), type: 'group', thread: String(threadId), name: 'Support' });
  expect(items[0]!.message.replyTo).toBeUndefined();
  expect(items[0]!.session).toBe(`telegram:default:${forum.id}:thread:${threadId}`);
  expect(items[1]!.message.replyTo).toBe(`${forum.id}:${first.message_id}`);
  expect(items[2]!.conversation.thread).toBeUndefined();
  expect(booted.run.logs.find((l) => String(l.msg).includes('service message'))).toBeDefined();
});

test('telegram inbound - messages sent by bots are skipped, and confirmed like the others', async () => {
  booted = await boot(nc, nats.url, emu, bot);
  const robot = emu.user({ firstName: 'Other', username: 'other_bot', isBot: true });
  const chat = emu.group(bot);
  emu.userMessage(bot, { chat, from: robot, text: '@data_bot beep' });
  const user = tom();
  emu.userMessage(bot, { chat, from: user, text: '@data_bot hi' });
  await booted.inbox.waitFor(1);
  await sleep(200);
  expect(booted.inbox.items.map((e) => e.message.text)).toEqual(['@data_bot hi']);
  await eventually(() => emu.pendingUpdates(bot).length === 0, 'bot message confirmed too');
});

test('telegram inbound - media become parts with file_id refs; captions and entities become text, link and code parts', async () => {
  booted = await boot(nc, nats.url, emu, bot);
  const user = tom();
  const chat = emu.privateChat(bot, user);
  const send = (input: Record<string, unknown>) => emu.userMessage(bot, { chat, from: user, ...input }).message;
  const photo = send({ media: { type: 'photo' }, caption: 'Q3 chart' });
  const doc = send({ media: { type: 'document', fileName: 'q3.pdf' } });
  const voice = send({ media: { type: 'voice', duration: 3 } });
  const audio = send({ media: { type: 'audio', duration: 200, performer: 'Band', title: 'Song' } });
  const video = send({ media: { type: 'video', duration: 9, fileName: 'demo.mp4' } });
  const sticker = send({ media: { type: 'sticker', emoji: '👍' } });
  const gif = send({ media: { type: 'animation', fileName: 'fun.mp4', duration: 2 } });
  send({
    text: 'see report and ls -la\nselect 1',
    entities: [
      { type: 'text_link', offset: 4, length: 6, url: 'https://example.com/r' },
      { type: 'code', offset: 15, length: 6 },
      { type: 'pre', offset: 22, length: 8, language: 'sql' },
    ],
  });
  send({ text: 'docs at https://example.com/docs' });
  send({ extra: { location: { latitude: 1, longitude: 2 } } });
  const items = await booted.inbox.waitFor(10);
  const parts = items.map((e) => e.message.parts);
  const sizes = photo.photo as Array<{ file_id: string }>;
  expect(parts[0]).toEqual([
    { type: 'image', ref: sizes[2]!.file_id },
    { type: 'text', text: '\nQ3 chart' },
  ]);
  expect(items[0]!.message.text).toBe('[image]\nQ3 chart');
  expect(parts[1]).toEqual([{ type: 'file', ref: (doc.document as { file_id: string }).file_id, name: 'q3.pdf' }]);
  expect(parts[2]).toEqual([{ type: 'audio', ref: (voice.voice as { file_id: string }).file_id, durationMs: 3000 }]);
  expect(parts[3]).toEqual([
    { type: 'audio', ref: (audio.audio as { file_id: string }).file_id, name: 'Band - Song', durationMs: 200_000 },
  ]);
  expect(parts[4]).toEqual([{ type: 'video', ref: (video.video as { file_id: string }).file_id, name: 'demo.mp4', durationMs: 9000 }]);
  expect(parts[5]).toEqual([{ type: 'sticker', ref: (sticker.sticker as { file_id: string }).file_id, name: '👍' }]);
  expect(parts[6]).toEqual([{ type: 'video', ref: (gif.animation as { file_id: string }).file_id, name: 'fun.mp4', durationMs: 2000 }]);
  expect(parts[7]).toEqual([
    { type: 'text', text: 'see ' },
    { type: 'link', url: 'https://example.com/r', text: 'report' },
    { type: 'text', text: ' and `ls -la`\n' },
    { type: 'code', text: 'select 1', language: 'sql' },
  ]);
  expect(parts[8]).toEqual([
    { type: 'text', text: 'docs at ' },
    { type: 'link', url: 'https://example.com/docs' },
  ]);
  expect(items[9]!.message.text).toBe('[location message]');
});

test('telegram inbound - with allowedUpdates edited_message, an edit arrives as a new envelope', async () => {
  booted = await boot(nc, nats.url, emu, bot, '    allowFrom: ["*"]\n    allowedUpdates: [message, edited_message]\n');
  const user = tom();
  const chat = emu.privateChat(bot, user);
  const { message } = emu.userMessage(bot, { chat, from: user, text: 'meeting at 3' });
  await booted.inbox.waitFor(1);
  const edit = emu.editMessage(bot, chat, message.message_id, 'meeting at 4');
  const items = await booted.inbox.waitFor(2);
  expect(items[1]!.message).toMatchObject({ id: `${user.id}:${message.message_id}:edit-${edit.message.edit_date}`, text: 'meeting at 4' });
});

test('telegram inbound - updates stored but never confirmed (a crash) are read again after a restart and kept once', async () => {
  const prefix = uniquePrefix();
  booted = await boot(nc, nats.url, emu, bot, undefined, prefix);
  const user = tom();
  const chat = emu.privateChat(bot, user);
  // From now on every getUpdates and its confirmation are lost on the way, as if the process died after storing.
  emu.failNext({ method: 'getUpdates', drop: true, times: 1000 });
  const { update } = emu.userMessage(bot, { chat, from: user, text: 'stored once' });
  await booted.inbox.waitFor(1);
  await booted.run.gateway.stop();
  expect(emu.pendingUpdates(bot).map((u) => u.update_id)).toEqual([update!.update_id]);
  emu.clearFaults();
  const inbox = booted.inbox;
  booted.close();
  const again = new Collector<InboundEnvelope>(nc, `${prefix}.in.>`);
  await nc.flush();
  booted = {
    ...booted,
    run: await startGateway(telegramConfig(nats.url, prefix, emu.url, bot.token, '    allowFrom: ["*"]\n')),
    inbox: again,
    close: () => again.close(),
  };
  await eventually(() => emu.deliveries(bot, update!.update_id) >= 2, 'the update read again');
  await eventually(() => emu.pendingUpdates(bot).length === 0, 'confirmed after the restart');
  await sleep(200);
  expect(inbox.items.map((e) => e.message.text)).toEqual(['stored once']);
  expect(again.items).toHaveLength(0);
  expect(booted.run.logs.find((l) => l.outcome === 'duplicate')).toBeDefined();
});

test('telegram inbound - while NATS is down the offset is not advanced; the update arrives once NATS is back', async () => {
  booted = await boot(nc, nats.url, emu, bot);
  const user = tom();
  const chat = emu.privateChat(bot, user);
  await nats.stop();
  const { update } = emu.userMessage(bot, { chat, from: user, text: 'during the outage' });
  await eventually(() => emu.deliveries(bot, update!.update_id) >= 2, 'read again while NATS is down', 20_000);
  expect(emu.pendingUpdates(bot).map((u) => u.update_id)).toEqual([update!.update_id]);
  expect(booted.run.logs.find((l) => String(l.msg).startsWith('Telegram update not stored'))).toMatchObject({
    level: 40,
    updateId: update!.update_id,
  });
  await nats.restart();
  const nc2 = await client(nats.url);
  const inbox = new Collector<InboundEnvelope>(nc2, `${booted.prefix}.in.>`);
  await nc2.flush();
  await eventually(() => emu.pendingUpdates(bot).length === 0, 'confirmed once stored', 30_000);
  await inbox.waitFor(1);
  await sleep(300);
  expect(inbox.items.map((e) => e.message.text)).toEqual(['during the outage']);
  inbox.close();
  await nc2.close();
}, 60_000);

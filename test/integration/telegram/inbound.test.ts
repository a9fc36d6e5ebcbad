import type { InboundEnvelope } from '../../../core/contract/schemas';
import type { BotInfo, User } from '../../emulators/telegram';
import { client, eventually, inboundBarrier } from '../../support';
import { useGatewayTest } from '../../support/fixture';
import { bootTelegram } from '../../support/telegram';

const t = useGatewayTest({ emulator: 'telegram' });
let bot: BotInfo;

beforeEach(() => {
  bot = t.emu.addBot({ username: 'data_bot', privacy: false });
});

/** Makes `user` send `text` to the bot in their private chat, which always passes access: for barriers. */
const direct = (user: User) => (text: string) => t.emu.userMessage(bot, { chat: t.emu.privateChat(bot, user), from: user, text });

const tom = () => t.emu.user({ firstName: 'Tom', lastName: 'Lee', username: 'tomlee' });

test('telegram inbound - a private message becomes a direct envelope; its id is <chat_id>:<message_id>', async () => {
  const booted = await bootTelegram(t, bot);
  const user = tom();
  const chat = t.emu.privateChat(bot, user);
  const { message } = t.emu.userMessage(bot, { chat, from: user, text: 'how many new customers this week?' });
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
  await eventually(() => t.emu.pendingUpdates(bot).length === 0, 'update confirmed');
});

test('telegram inbound - in groups only what addresses the bot passes: @username, /command@bot, text_mention, a reply to it', async () => {
  // Without `command` in events, a command arrives as the message it is.
  const booted = await bootTelegram(t, bot, '    allowFrom: ["*"]\n    events: [message]\n');
  const user = tom();
  const group = t.emu.group(bot, { title: 'Sales', type: 'supergroup' });
  const say = (text: string, extra: Record<string, unknown> = {}) =>
    t.emu.userMessage(bot, { chat: group, from: user, text, ...extra }).message;
  say('hello all');
  say('@data_bot how many?');
  say('/report@data_bot weekly');
  say('cc @someone_else');
  say('/report@other_bot');
  const question = t.emu.botMessage(bot, group, 'Which region?');
  const reply = say('north', { replyTo: question.message_id });
  say('Data Bot, status?', { entities: [{ type: 'text_mention', offset: 0, length: 8, user: bot.user }] });
  await booted.inbox.waitFor(4);
  await booted.inboundBarrier(direct(user));
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
  await eventually(() => t.emu.pendingUpdates(bot).length === 0, 'all updates confirmed');
});

test('telegram inbound - forum topics: the thread is message_thread_id; the topic root is not a reply; service messages are skipped', async () => {
  const booted = await bootTelegram(t, bot, '    allowFrom: ["*"]\n    groupPolicy: open\n    session: thread\n');
  const user = tom();
  const forum = t.emu.group(bot, { forum: true, title: 'Support' });
  const { threadId } = t.emu.createTopic(bot, forum, 'Billing', user);
  const first = t.emu.userMessage(bot, { chat: forum, from: user, threadId, text: 'invoice missing' }).message;
  t.emu.userMessage(bot, { chat: forum, from: user, threadId, text: 'also VAT', replyTo: first.message_id });
  t.emu.userMessage(bot, { chat: forum, from: user, text: 'in General' });
  const items = await booted.inbox.waitFor(3);
  await booted.inboundBarrier(direct(user));
  expect(items).toHaveLength(3);
  expect(items[0]!.conversation).toEqual({ id: String(forum.id), type: 'group', thread: String(threadId), name: 'Support' });
  expect(items[0]!.message.replyTo).toBeUndefined();
  expect(items[0]!.session).toBe(`telegram:default:${forum.id}:thread:${threadId}`);
  expect(items[1]!.message.replyTo).toBe(`${forum.id}:${first.message_id}`);
  expect(items[2]!.conversation.thread).toBeUndefined();
  expect(booted.logs.find((l) => String(l.msg).includes('service message'))).toBeDefined();
});

test('telegram inbound - messages sent by bots are skipped, and confirmed like the others', async () => {
  const booted = await bootTelegram(t, bot);
  const robot = t.emu.user({ firstName: 'Other', username: 'other_bot', isBot: true });
  const chat = t.emu.group(bot);
  t.emu.userMessage(bot, { chat, from: robot, text: '@data_bot beep' });
  const user = tom();
  t.emu.userMessage(bot, { chat, from: user, text: '@data_bot hi' });
  await booted.inbox.waitFor(1);
  await booted.inboundBarrier(direct(user));
  expect(booted.inbox.items.map((e) => e.message.text)).toEqual(['@data_bot hi']);
  await eventually(() => t.emu.pendingUpdates(bot).length === 0, 'bot message confirmed too');
});

test('telegram inbound - media become parts with file_id refs; captions and entities become text, link and code parts', async () => {
  const booted = await bootTelegram(t, bot);
  const user = tom();
  const chat = t.emu.privateChat(bot, user);
  const send = (input: Record<string, unknown>) => t.emu.userMessage(bot, { chat, from: user, ...input }).message;
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
  const booted = await bootTelegram(t, bot, '    allowFrom: ["*"]\n    allowedUpdates: [message, edited_message]\n');
  const user = tom();
  const chat = t.emu.privateChat(bot, user);
  const { message } = t.emu.userMessage(bot, { chat, from: user, text: 'meeting at 3' });
  await booted.inbox.waitFor(1);
  const edit = t.emu.editMessage(bot, chat, message.message_id, 'meeting at 4');
  const items = await booted.inbox.waitFor(2);
  expect(items[1]!.message).toMatchObject({ id: `${user.id}:${message.message_id}:edit-${edit.message.edit_date}`, text: 'meeting at 4' });
});

test('telegram inbound - updates stored but never confirmed (a crash) are read again after a restart and kept once', async () => {
  const booted = await bootTelegram(t, bot);
  const user = tom();
  const chat = t.emu.privateChat(bot, user);
  // From now on every getUpdates and its confirmation are lost on the way, as if the process died after storing.
  t.emu.failNext({ method: 'getUpdates', drop: true, times: 1000 });
  const { update } = t.emu.userMessage(bot, { chat, from: user, text: 'stored once' });
  await booted.inbox.waitFor(1);
  await booted.stop();
  expect(t.emu.pendingUpdates(bot).map((u) => u.update_id)).toEqual([update!.update_id]);
  t.emu.clearFaults();
  const again = await t.collect<InboundEnvelope>(`${booted.prefix}.in.>`);
  await booted.start();
  await eventually(() => t.emu.deliveries(bot, update!.update_id) >= 2, 'the update read again');
  await eventually(() => t.emu.pendingUpdates(bot).length === 0, 'confirmed after the restart');
  await inboundBarrier(again, direct(user));
  expect(booted.inbox.items.map((e) => e.message.text)).toEqual(['stored once']);
  expect(again.items).toHaveLength(0);
  expect(booted.logs.find((l) => l.outcome === 'duplicate')).toBeDefined();
});

test('telegram inbound - while NATS is down the offset is not advanced; the update arrives once NATS is back', async () => {
  const booted = await bootTelegram(t, bot);
  const user = tom();
  const chat = t.emu.privateChat(bot, user);
  await t.nats.stop();
  const { update } = t.emu.userMessage(bot, { chat, from: user, text: 'during the outage' });
  await eventually(() => t.emu.deliveries(bot, update!.update_id) >= 2, 'read again while NATS is down', 20_000);
  expect(t.emu.pendingUpdates(bot).map((u) => u.update_id)).toEqual([update!.update_id]);
  expect(booted.logs.find((l) => String(l.msg).startsWith('Telegram update not stored'))).toMatchObject({
    level: 40,
    updateId: update!.update_id,
  });
  await t.nats.restart();
  const nc2 = await client(t.nats.url);
  t.defer(() => nc2.close());
  const inbox = await t.collect<InboundEnvelope>(`${booted.prefix}.in.>`, nc2);
  await eventually(() => t.emu.pendingUpdates(bot).length === 0, 'confirmed once stored', 30_000);
  await inbox.waitFor(1);
  await inboundBarrier(inbox, direct(user));
  expect(inbox.items.map((e) => e.message.text)).toEqual(['during the outage']);
}, 60_000);

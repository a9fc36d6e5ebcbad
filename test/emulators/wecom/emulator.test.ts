import { randomBytes } from 'node:crypto';
import { WSClient, decryptFile, type WsFrame } from '@wecom/aibot-node-sdk';
import { WeComEmulator, type BotInfo } from './index';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

let emu: WeComEmulator;
let bot: BotInfo;
const clients: WSClient[] = [];

beforeEach(async () => {
  emu = new WeComEmulator({ replyWindowMs: 300, eventReplyWindowMs: 300, streamLimitMs: 400 });
  await emu.start();
  bot = emu.addBot({ name: 'Data Bot' });
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await emu.stop();
  expect(emu.protocolErrors).toEqual([]);
});

/** The real SDK client, connected (or refused) to the emulator. */
async function sdk(secret = bot.secret): Promise<{ client: WSClient; frames: WsFrame[]; errors: Error[] }> {
  const client = new WSClient({
    botId: bot.botId,
    secret,
    wsUrl: emu.wsUrl,
    logger: quiet,
    maxAuthFailureAttempts: 0,
    heartbeatInterval: 200,
  });
  clients.push(client);
  const frames: WsFrame[] = [];
  const errors: Error[] = [];
  client.on('message', (f: WsFrame) => frames.push(f));
  client.on('event', (f: WsFrame) => frames.push(f));
  await new Promise<void>((resolve) => {
    client.on('authenticated', () => resolve());
    client.on('error', (e: Error) => (errors.push(e), resolve()));
    client.connect();
  });
  return { client, frames, errors };
}

const until = async (check: () => boolean) => {
  for (const end = Date.now() + 5000; !check(); await new Promise((r) => setTimeout(r, 10)))
    if (Date.now() > end) throw new Error('timed out');
};
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: { errcode?: number; errmsg?: string }) => e.errcode,
  );

test('wecom emulator - a wrong secret is refused with 853000; a second subscription kicks the first with disconnected_event', async () => {
  const bad = await sdk('nope');
  expect(bad.errors[0]!.message).toBe('Authentication failed: invalid bot_id or secret (code: 853000)');
  const first = await sdk();
  let kicked = false;
  first.client.on('event.disconnected_event', () => (kicked = true));
  await sdk();
  await until(() => kicked);
  expect(emu.kicked).toEqual([bot.botId]);
  expect(emu.connectionCount).toBe(1);
});

test('wecom emulator - a callback is pushed again until answered; group messages only with a mention', async () => {
  const { client, frames } = await sdk();
  const unanswered = await emu.say({ botId: bot.botId, user: 'zhangsan', text: 'anyone?' });
  expect(unanswered).toMatchObject({ delivered: true, replied: false, pushes: 3 });
  expect(frames.filter((f) => f.body.msgid === unanswered.msgid).map((f) => f.headers.req_id)).toEqual(Array(3).fill(unanswered.reqId));
  client.on('message', (f: WsFrame) => void client.replyStream(f, `s_${f.body.msgid}`, 'ok', true).catch(() => undefined));
  expect(await emu.say({ botId: bot.botId, user: 'zhangsan', text: 'now?' })).toMatchObject({ replied: true, pushes: 1 });
  const group = emu.addGroup([bot.botId]);
  expect((await emu.say({ botId: bot.botId, user: 'lisi', chat: group, text: 'chatter' })).delivered).toBe(false);
  await emu.say({ botId: bot.botId, user: 'lisi', chat: group, text: 'q', mention: true });
  expect(frames.at(-1)!.body).toMatchObject({ chattype: 'group', chatid: group, text: { content: '@Data Bot q' } });
});

test('wecom emulator - reply streams: 20,480 bytes, one stream per callback, nothing after finish, 846608 after the limit, 846605 for an event', async () => {
  const { client, frames } = await sdk();
  void emu.say({ botId: bot.botId, user: 'wangwu', text: 'stream' });
  await until(() => frames.length === 1);
  const f = frames[0]!;
  expect(await refusal(client.replyStream(f, 's1', 'x'.repeat(20_481), false))).toBe(45002);
  expect(await refusal(client.replyStream(f, 's1', 'x'.repeat(20_480), false))).toBeUndefined();
  expect(await refusal(client.replyStream(f, 's2', 'other stream', false))).toBe(40058);
  await new Promise((r) => setTimeout(r, 450));
  expect(await refusal(client.replyStream(f, 's1', 'late', true))).toBe(846608);
  void emu.enterChat(bot.botId, 'wangwu');
  await until(() => frames.length === 2);
  expect(await refusal(client.replyStream(frames[1]!, 's3', 'to an event', true))).toBe(846605);
  const second = emu.say({ botId: bot.botId, user: 'wangwu', text: 'again' });
  await until(() => frames.length === 3);
  await client.replyStream(frames[2]!, 's4', 'done', true);
  expect(await refusal(client.replyStream(frames[2]!, 's4', 'after finish', false))).toBe(40058);
  await second;
  expect(emu.shown('wangwu').map((s) => [s.id, s.content, s.finished])).toEqual([
    ['s1', 'x'.repeat(20_480), false],
    ['s4', 'done', true],
  ]);
});

test('wecom emulator - cards: checked, updated only in answer to a click within the window and with its task_id', async () => {
  const { client, frames } = await sdk();
  emu.users.add('zhaoliu');
  const card = {
    card_type: 'button_interaction',
    main_title: { title: 'Pick' },
    button_list: [{ text: 'A', key: 'k-a' }],
    task_id: 'task_1',
  };
  expect(await refusal(client.sendMessage('zhaoliu', { msgtype: 'template_card', template_card: { ...card, button_list: [] } }))).toBe(
    40058,
  );
  await client.sendMessage('zhaoliu', { msgtype: 'template_card', template_card: card });
  expect(await refusal(client.sendMessage('zhaoliu', { msgtype: 'template_card', template_card: card }))).toBe(40058);
  const click = emu.click({ botId: bot.botId, user: 'zhaoliu', taskId: 'task_1', label: 'A' });
  await until(() => frames.length === 1);
  expect(frames[0]!.body.event).toEqual({ eventtype: 'template_card_event', event_key: 'k-a', task_id: 'task_1' });
  expect(await refusal(client.updateTemplateCard(frames[0]!, { ...card, task_id: 'task_2' }))).toBe(40058);
  await client.updateTemplateCard(frames[0]!, { card_type: 'text_notice', main_title: { title: 'Done' }, task_id: 'task_1' });
  expect((await click).updated).toBe(true);
  expect(emu.shown('zhaoliu')[0]!.card).toMatchObject({ type: 'text_notice', title: 'Done', buttons: [] });
  await new Promise((r) => setTimeout(r, 350));
  expect(await refusal(client.updateTemplateCard(frames[0]!, card))).toBe(846605);
  expect(await refusal(client.sendMessage('nobody', { msgtype: 'markdown', markdown: { content: 'hi' } }))).toBe(93006);
});

test('wecom emulator - uploads in 512 KB chunks become media; inbound files are served AES-encrypted with the message key', async () => {
  const { client, frames } = await sdk();
  emu.users.add('sunba');
  const bytes = randomBytes(1100 * 1024);
  const up = await client.uploadMedia(bytes, { type: 'file', filename: 'data.bin' });
  await client.sendMediaMessage('sunba', 'file', up.media_id);
  expect(emu.shown('sunba')[0]!.media!.bytes.equals(bytes)).toBe(true);
  expect(emu.frames.filter((f) => f.cmd === 'aibot_upload_media_chunk')).toHaveLength(3);
  expect(await refusal(client.uploadMedia(randomBytes(2 * 1024 * 1024 + 1), { type: 'voice', filename: 'v.amr' }))).toBe(40006);
  const image = randomBytes(5000);
  void emu.say({ botId: bot.botId, user: 'sunba', image });
  await until(() => frames.length === 1);
  const { url, aeskey } = frames[0]!.body.image as { url: string; aeskey: string };
  const res = await fetch(url);
  expect(decryptFile(Buffer.from(await res.arrayBuffer()), aeskey).equals(image)).toBe(true);
});

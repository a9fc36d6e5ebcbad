import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import type { InboundEnvelope } from '../../../core/contract/schemas';
import type { FeishuEmulator } from '../../emulators/feishu';
import { Collector, client, eventually, startGateway, type Started } from '../../support';
import { feishuConfig, newApp, startEmulator } from '../../support/feishu';
import { startNats, uniquePrefix, type TestNats } from '../../support/nats-server';

let nats: TestNats;
let nc: NatsConnection;
let emu: FeishuEmulator;
let run: Started | undefined;

beforeAll(async () => {
  nats = await startNats();
  nc = await client(nats.url);
});
beforeEach(async () => {
  emu = await startEmulator();
});
afterEach(async () => {
  await run?.gateway.stop();
  run = undefined;
  await emu.stop();
});
afterAll(async () => {
  await nc.close();
  await nats.close();
});

const USER = 'ou_7d8a6e6d0a1b2c3d4e5f60718293a4b5';
const CHAT = 'oc_5ce6d5720a1b2c3d4e5f60718293a4b5';

async function boot(extra = '  allowFrom: ["*"]\n'.replace(/^/gm, '  ')) {
  const app = newApp(emu);
  const prefix = uniquePrefix();
  run = await startGateway(feishuConfig(nats.url, prefix, emu.url, app, extra));
  await emu.waitForConnections(app.appId, 1);
  const inbox = new Collector<InboundEnvelope>(nc, `${prefix}.in.>`);
  await nc.flush();
  return { app, prefix, inbox };
}

test('feishu inbound - connects over the long connection, logs it and reports connected', async () => {
  const { app, prefix, inbox } = await boot();
  expect(run!.logs.messages()).toContain('Feishu channel connected via WebSocket');
  const kv = await new Kvm(nc).open(`${prefix}_status`);
  expect((await kv.get('feishu.default'))?.json()).toMatchObject({ state: 'connected' });
  expect(emu.connections(app.appId)).toBe(1);
  inbox.close();
});

test('feishu inbound - a direct text message becomes an envelope and is acked only after it is stored', async () => {
  const { app, inbox } = await boot();
  const event = emu.message({
    appId: app.appId,
    chatId: CHAT,
    chatType: 'p2p',
    senderOpenId: USER,
    messageType: 'text',
    content: { text: 'how many new customers this week?' },
  });
  const ack = await emu.pushEvent(app.appId, event);
  expect(ack.code).toBe(200);
  const messageId = (event.event.message as { message_id: string }).message_id;
  await inbox.waitFor(1);
  expect(inbox.items[0]).toMatchObject({
    id: `feishu:default:${messageId}`,
    channel: 'feishu',
    account: 'default',
    conversation: { id: CHAT, type: 'direct' },
    sender: { id: USER, kind: 'user' },
    message: { id: messageId, text: 'how many new customers this week?', mentioned: false },
    session: `feishu:default:${CHAT}`,
  });
  inbox.close();
});

test('feishu inbound - group mentions become @Name text and mention parts; mentioned only for this bot', async () => {
  const { app, inbox } = await boot();
  const mk = (key: string, openId: string, name: string) => ({ key, openId, name });
  await emu.pushEvent(
    app.appId,
    emu.message({
      appId: app.appId,
      chatId: CHAT,
      chatType: 'group',
      senderOpenId: USER,
      messageType: 'text',
      content: { text: '@_user_1 how many? cc @_user_2' },
      mentions: [mk('@_user_1', app.botOpenId, 'Data Bot'), mk('@_user_2', 'ou_other', 'Ann')],
    }),
  );
  const ignored = await emu.pushEvent(
    app.appId,
    emu.message({
      appId: app.appId,
      chatId: CHAT,
      chatType: 'group',
      senderOpenId: USER,
      messageType: 'text',
      content: { text: 'hi @_user_1' },
      mentions: [mk('@_user_1', 'ou_other', 'Ann')],
    }),
  );
  expect(ignored.code).toBe(200);
  await inbox.waitFor(1);
  await new Promise((r) => setTimeout(r, 200));
  expect(inbox.items).toHaveLength(1);
  const env = inbox.items[0]!;
  expect(env.message.text).toBe('@Data Bot how many? cc @Ann');
  expect(env.message.mentioned).toBe(true);
  expect(env.message.parts).toEqual([
    { type: 'mention', id: app.botOpenId, name: 'Data Bot', self: true },
    { type: 'text', text: ' how many? cc ' },
    { type: 'mention', id: 'ou_other', name: 'Ann', self: false },
  ]);
  expect(env.session).toBe(`feishu:default:${CHAT}:${USER}`);
  inbox.close();
});

test('feishu inbound - messages sent by bots are skipped but still acknowledged', async () => {
  const { app, inbox } = await boot();
  const ack = await emu.pushEvent(
    app.appId,
    emu.message({
      appId: app.appId,
      chatId: CHAT,
      chatType: 'p2p',
      senderOpenId: 'ou_botsender',
      senderType: 'app',
      messageType: 'text',
      content: { text: 'beep' },
    }),
  );
  expect(ack.code).toBe(200);
  await new Promise((r) => setTimeout(r, 200));
  expect(inbox.items).toHaveLength(0);
  inbox.close();
});

test('feishu inbound - rich text, media and shares become parts with their keys and readable text', async () => {
  const { app, inbox } = await boot();
  const push = (messageType: string, content: unknown, extra: Record<string, unknown> = {}) =>
    emu.pushEvent(
      app.appId,
      emu.message({ appId: app.appId, chatId: CHAT, chatType: 'p2p', senderOpenId: USER, messageType, content, ...extra }),
    );
  await push('post', {
    title: 'Weekly',
    content: [
      [
        { tag: 'text', text: 'see ' },
        { tag: 'a', href: 'https://example.com/r', text: 'report' },
      ],
      [{ tag: 'code_block', language: 'SQL', text: 'select 1' }],
    ],
  });
  await push('image', { image_key: 'img_v2_abc' });
  await push('file', { file_key: 'file_v2_def', file_name: 'q3.pdf' });
  await push('audio', { file_key: 'file_v2_aud', duration: 3000 });
  await push('media', { file_key: 'file_v2_vid', image_key: 'img_cover', file_name: 'demo.mp4', duration: 9000 });
  await push('sticker', { file_key: 'sticker_1' });
  await push('share_chat', { chat_id: 'oc_shared' });
  await push('interactive', { title: 'Alert', elements: [[{ tag: 'text', text: 'disk full' }]] });
  const items = await inbox.waitFor(8);
  const parts = items.map((e) => e.message.parts);
  expect(parts[0]).toEqual([
    { type: 'text', text: 'Weekly\nsee ' },
    { type: 'link', url: 'https://example.com/r', text: 'report' },
    { type: 'text', text: '\n' },
    { type: 'code', text: 'select 1', language: 'sql' },
  ]);
  expect(items[0]!.message.text).toBe('Weekly\nsee report (https://example.com/r)\n\n```sql\nselect 1\n```\n');
  expect(parts[1]).toEqual([{ type: 'image', ref: 'img_v2_abc' }]);
  expect(parts[2]).toEqual([{ type: 'file', ref: 'file_v2_def', name: 'q3.pdf' }]);
  expect(parts[3]).toEqual([{ type: 'audio', ref: 'file_v2_aud', durationMs: 3000 }]);
  expect(parts[4]).toEqual([{ type: 'video', ref: 'file_v2_vid', name: 'demo.mp4', durationMs: 9000 }]);
  expect(parts[5]).toEqual([{ type: 'sticker', ref: 'sticker_1' }]);
  expect(parts[6]).toEqual([{ type: 'share', kind: 'chat', id: 'oc_shared' }]);
  expect(parts[7]).toEqual([{ type: 'card', title: 'Alert', text: 'disk full' }]);
  expect(items[2]!.message.text).toBe('[file: q3.pdf]');
  inbox.close();
});

test('feishu inbound - replyTo from parent_id, thread from thread_id, session thread for topic groups', async () => {
  const app = newApp(emu);
  const prefix = uniquePrefix();
  run = await startGateway(feishuConfig(nats.url, prefix, emu.url, app, '    groupPolicy: open\n    session: thread\n'));
  await emu.waitForConnections(app.appId, 1);
  const inbox = new Collector<InboundEnvelope>(nc, `${prefix}.in.>`);
  await nc.flush();
  await emu.pushEvent(
    app.appId,
    emu.message({
      appId: app.appId,
      chatId: CHAT,
      chatType: 'group',
      senderOpenId: USER,
      messageType: 'text',
      content: { text: 'follow-up' },
      parentId: 'om_parent',
      rootId: 'om_root',
      threadId: 'omt_1a2b',
    }),
  );
  const [env] = await inbox.waitFor(1);
  expect(env!.message.replyTo).toBe('om_parent');
  expect(env!.conversation).toEqual({ id: CHAT, type: 'group', thread: 'omt_1a2b' });
  expect(env!.session).toBe(`feishu:default:${CHAT}:thread:omt_1a2b`);
  inbox.close();
});

test('feishu inbound - a fragmented event is reassembled and stored once', async () => {
  const { app, inbox } = await boot();
  const long = '周报 '.repeat(3000);
  const ack = await emu.pushEvent(
    app.appId,
    emu.message({ appId: app.appId, chatId: CHAT, chatType: 'p2p', senderOpenId: USER, messageType: 'text', content: { text: long } }),
    { fragments: 3 },
  );
  expect(ack.code).toBe(200);
  const [env] = await inbox.waitFor(1);
  expect(env!.message.text).toBe(long);
  inbox.close();
});

test('feishu inbound - a redelivered event produces one envelope, also across a gateway restart', async () => {
  const { app, prefix, inbox } = await boot();
  const event = emu.message({
    appId: app.appId,
    chatId: CHAT,
    chatType: 'p2p',
    senderOpenId: USER,
    messageType: 'text',
    content: { text: 'once' },
  });
  await emu.pushEvent(app.appId, event);
  expect((await emu.redeliver(event.header.event_id)).code).toBe(200);
  await run!.gateway.stop();
  run = await startGateway(feishuConfig(nats.url, prefix, emu.url, app, '    allowFrom: ["*"]\n'));
  await emu.waitForConnections(app.appId, 1);
  expect((await emu.redeliver(event.header.event_id)).code).toBe(200);
  await new Promise((r) => setTimeout(r, 300));
  expect(inbox.items.map((e) => e.message.text)).toEqual(['once']);
  inbox.close();
});

test('feishu inbound - a sender not in allowFrom is dropped and their open_id logged with the hint', async () => {
  const { app, inbox } = await boot('    allowFrom: ["ou_boss"]\n');
  const ack = await emu.pushEvent(
    app.appId,
    emu.message({
      appId: app.appId,
      chatId: CHAT,
      chatType: 'p2p',
      senderOpenId: USER,
      messageType: 'text',
      content: { text: 'let me in' },
    }),
  );
  expect(ack.code).toBe(200);
  const line = run!.logs.find((l) => l.senderId === USER);
  expect(line).toMatchObject({ level: 30 });
  expect(String(line!.msg)).toContain(`add "${USER}" to allowFrom of feishu/default`);
  expect(inbox.items).toHaveLength(0);
  inbox.close();
});

test('feishu inbound - a dropped WebSocket reconnects by itself, reports reconnecting, and loses nothing', async () => {
  const { app, prefix, inbox } = await boot();
  const statuses = new Collector<{ state: string }>(nc, `${prefix}.status.feishu.default`);
  await nc.flush();
  expect(emu.dropConnections(app.appId)).toBe(1);
  await eventually(() => statuses.items.some((s) => s.state === 'reconnecting'), 'reconnecting status');
  await emu.waitForConnections(app.appId, 1, 10_000);
  await eventually(() => statuses.items.at(-1)?.state === 'connected', 'connected again');
  const ack = await emu.pushEvent(
    app.appId,
    emu.message({
      appId: app.appId,
      chatId: CHAT,
      chatType: 'p2p',
      senderOpenId: USER,
      messageType: 'text',
      content: { text: 'after the drop' },
    }),
  );
  expect(ack.code).toBe(200);
  await inbox.waitFor(1);
  statuses.close();
  inbox.close();
});

test('feishu inbound - while NATS is down events are not acknowledged; redelivered later they arrive once', async () => {
  const { app, prefix } = await boot();
  const event = emu.message({
    appId: app.appId,
    chatId: CHAT,
    chatType: 'p2p',
    senderOpenId: USER,
    messageType: 'text',
    content: { text: 'during the outage' },
  });
  await nats.stop();
  const ack = await emu.pushEvent(app.appId, event, { timeoutMs: 10_000 });
  expect(ack.code).toBe(500);
  await nats.restart();
  const nc2 = await client(nats.url);
  const inbox = new Collector<InboundEnvelope>(nc2, `${prefix}.in.>`);
  await nc2.flush();
  await eventually(
    async () => (await emu.redeliver(event.header.event_id, { timeoutMs: 10_000 })).code === 200,
    'redelivery stored after NATS is back',
    20_000,
  );
  await inbox.waitFor(1);
  await new Promise((r) => setTimeout(r, 200));
  expect(inbox.items.map((e) => e.message.text)).toEqual(['during the outage']);
  inbox.close();
  await nc2.close();
}, 60_000);

import { Kvm } from '@nats-io/kv';
import type { InboundEnvelope } from '../../../core/contract/schemas';
import { client, eventually, inboundBarrier } from '../../support';
import { CHAT, USER, bootFeishu, messageIdOf, textEvent, type FeishuApp } from '../../support/feishu';
import { useGatewayTest } from '../../support/fixture';

const t = useGatewayTest({ emulator: 'feishu' });

/** Pushes a text message of `USER` (direct chat unless `fields` say otherwise) and resolves with the ack. */
const say = (app: FeishuApp, text: string, fields: Parameters<typeof textEvent>[3] = {}) =>
  t.emu.pushEvent(app.appId, textEvent(t.emu, app, text, fields));

test('feishu inbound - connects over the long connection, logs it and reports connected', async () => {
  const { app, gw } = await bootFeishu(t);
  expect(gw.logs.messages()).toContain('Feishu channel connected via WebSocket');
  const kv = await new Kvm(t.nc).open(`${gw.prefix}_status`);
  expect((await kv.get('feishu.default'))?.json()).toMatchObject({ state: 'connected' });
  expect(t.emu.connections(app.appId)).toBe(1);
});

test('feishu inbound - a direct text message becomes an envelope and is acked only after it is stored', async () => {
  const { app, gw } = await bootFeishu(t);
  const event = textEvent(t.emu, app, 'how many new customers this week?');
  const ack = await t.emu.pushEvent(app.appId, event);
  expect(ack.code).toBe(200);
  const messageId = messageIdOf(event);
  await gw.inbox.waitFor(1);
  expect(gw.inbox.items[0]).toMatchObject({
    id: `feishu:default:${messageId}`,
    channel: 'feishu',
    account: 'default',
    conversation: { id: CHAT, type: 'direct' },
    sender: { id: USER, kind: 'user' },
    message: { id: messageId, text: 'how many new customers this week?', mentioned: false },
    session: `feishu:default:${CHAT}`,
  });
});

test('feishu inbound - group mentions become @Name text and mention parts; mentioned only for this bot', async () => {
  const { app, gw } = await bootFeishu(t);
  const mk = (key: string, openId: string, name: string) => ({ key, openId, name });
  await say(app, '@_user_1 how many? cc @_user_2', {
    chatType: 'group',
    mentions: [mk('@_user_1', app.botOpenId, 'Data Bot'), mk('@_user_2', 'ou_other', 'Ann')],
  });
  const ignored = await say(app, 'hi @_user_1', { chatType: 'group', mentions: [mk('@_user_1', 'ou_other', 'Ann')] });
  expect(ignored.code).toBe(200);
  await gw.inbox.waitFor(1);
  await gw.inboundBarrier((text) => say(app, text));
  expect(gw.inbox.items).toHaveLength(1);
  const env = gw.inbox.items[0]!;
  expect(env.message.text).toBe('@Data Bot how many? cc @Ann');
  expect(env.message.mentioned).toBe(true);
  expect(env.message.parts).toEqual([
    { type: 'mention', id: app.botOpenId, name: 'Data Bot', self: true },
    { type: 'text', text: ' how many? cc ' },
    { type: 'mention', id: 'ou_other', name: 'Ann', self: false },
  ]);
  expect(env.session).toBe(`feishu:default:${CHAT}:${USER}`);
});

test('feishu inbound - messages sent by bots are skipped but still acknowledged', async () => {
  const { app, gw } = await bootFeishu(t);
  const ack = await say(app, 'beep', { senderOpenId: 'ou_botsender', senderType: 'app' });
  expect(ack.code).toBe(200);
  await gw.inboundBarrier((text) => say(app, text));
  expect(gw.inbox.items).toHaveLength(0);
});

test('feishu inbound - rich text, media and shares become parts with their keys and readable text', async () => {
  const { app, gw } = await bootFeishu(t);
  const push = (messageType: string, content: unknown, extra: Record<string, unknown> = {}) =>
    t.emu.pushEvent(app.appId, textEvent(t.emu, app, '', { messageType, content, ...extra }));
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
  const items = await gw.inbox.waitFor(8);
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
});

test('feishu inbound - replyTo from parent_id, thread from thread_id, session thread for topic groups', async () => {
  const { app, gw } = await bootFeishu(t, '    groupPolicy: open\n    session: thread\n');
  await say(app, 'follow-up', { chatType: 'group', parentId: 'om_parent', rootId: 'om_root', threadId: 'omt_1a2b' });
  const [env] = await gw.inbox.waitFor(1);
  expect(env!.message.replyTo).toBe('om_parent');
  expect(env!.conversation).toEqual({ id: CHAT, type: 'group', thread: 'omt_1a2b' });
  expect(env!.session).toBe(`feishu:default:${CHAT}:thread:omt_1a2b`);
});

test('feishu inbound - a fragmented event is reassembled and stored once', async () => {
  const { app, gw } = await bootFeishu(t);
  const long = '周报 '.repeat(3000);
  const ack = await t.emu.pushEvent(app.appId, textEvent(t.emu, app, long), { fragments: 3 });
  expect(ack.code).toBe(200);
  const [env] = await gw.inbox.waitFor(1);
  expect(env!.message.text).toBe(long);
});

test('feishu inbound - a redelivered event produces one envelope, also across a gateway restart', async () => {
  const { app, gw } = await bootFeishu(t);
  const event = textEvent(t.emu, app, 'once');
  await t.emu.pushEvent(app.appId, event);
  expect((await t.emu.redeliver(event.header.event_id)).code).toBe(200);
  await gw.restart();
  await t.emu.waitForConnections(app.appId, 1);
  expect((await t.emu.redeliver(event.header.event_id)).code).toBe(200);
  await gw.inboundBarrier((text) => say(app, text));
  expect(gw.inbox.items.map((e) => e.message.text)).toEqual(['once']);
});

test('feishu inbound - a sender not in allowFrom is dropped and their open_id logged with the hint', async () => {
  const { app, gw } = await bootFeishu(t, '    allowFrom: ["ou_boss"]\n');
  const ack = await say(app, 'let me in');
  expect(ack.code).toBe(200);
  const line = gw.logs.find((l) => l.senderId === USER);
  expect(line).toMatchObject({ level: 30 });
  expect(String(line!.msg)).toContain(`add "${USER}" to allowFrom of feishu/default`);
  await gw.inboundBarrier((text) => say(app, text, { senderOpenId: 'ou_boss' }));
  expect(gw.inbox.items).toHaveLength(0);
});

test('feishu inbound - a dropped WebSocket reconnects by itself, reports reconnecting, and loses nothing', async () => {
  const { app, gw } = await bootFeishu(t);
  expect(t.emu.dropConnections(app.appId)).toBe(1);
  await eventually(() => gw.statuses.items.some((s) => s.state === 'reconnecting'), 'reconnecting status');
  await t.emu.waitForConnections(app.appId, 1, 10_000);
  await eventually(() => gw.statuses.items.at(-1)?.state === 'connected', 'connected again');
  const ack = await say(app, 'after the drop');
  expect(ack.code).toBe(200);
  await gw.inbox.waitFor(1);
});

test('feishu inbound - while NATS is down events are not acknowledged; redelivered later they arrive once', async () => {
  const { app, gw } = await bootFeishu(t);
  const event = textEvent(t.emu, app, 'during the outage');
  await t.nats.stop();
  const ack = await t.emu.pushEvent(app.appId, event, { timeoutMs: 10_000 });
  expect(ack.code).toBe(500);
  await t.nats.restart();
  const nc2 = await client(t.nats.url);
  t.defer(() => nc2.close());
  const inbox = await t.collect<InboundEnvelope>(`${gw.prefix}.in.>`, nc2);
  await eventually(
    async () => (await t.emu.redeliver(event.header.event_id, { timeoutMs: 10_000 })).code === 200,
    'redelivery stored after NATS is back',
    20_000,
  );
  await inbox.waitFor(1);
  await inboundBarrier(inbox, (text) => say(app, text));
  expect(inbox.items.map((e) => e.message.text)).toEqual(['during the outage']);
}, 60_000);

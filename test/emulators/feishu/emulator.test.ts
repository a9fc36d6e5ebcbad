/**
 * The Feishu emulator driven by the REAL @larksuiteoapi/node-sdk (Client, WSClient, EventDispatcher,
 * adaptDefault, AESCipher). Every assertion here is about what the SDK sends, receives and does.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as lark from '@larksuiteoapi/node-sdk';
import { AckTimeoutError, buildWebhookRequest, decodeFrame, encodeFrame, FeishuEmulator, signature } from './index';
import {
  delay,
  eventually,
  feishuErrorOf,
  makeClient,
  newCredentials,
  recordingLogger,
  startWs,
  TestCache,
  type WsHarness,
} from './sdk-harness';

const FAST = { ReconnectCount: -1, ReconnectInterval: 0.2, ReconnectNonce: 0, PingInterval: 120 };

let emu: FeishuEmulator;
const harnesses: WsHarness[] = [];

beforeEach(async () => {
  emu = new FeishuEmulator({ clientConfig: FAST, ackTimeoutMs: 2000 });
  await emu.start();
});

afterEach(async () => {
  for (const h of harnesses.splice(0)) h.stop();
  await emu.stop();
  expect(emu.protocolErrors).toEqual([]);
});

async function connectedApp(handler?: (d: Record<string, any>) => unknown) {
  const creds = newCredentials();
  const app = emu.addApp(creds);
  const h = await startWs(emu.url, creds, handler);
  harnesses.push(h);
  await emu.waitForConnections(creds.appId, 1);
  return { creds, app, h };
}

const textEvent = (appId: string, text: string, chatType: 'p2p' | 'group' = 'group') =>
  emu.message({
    appId,
    chatId: 'oc_0a1b2c3d4e5f60718293a4b5c6d7e8f9',
    chatType,
    senderOpenId: 'ou_7d8a6e6d0a1b2c3d4e5f60718293a4b5',
    messageType: 'text',
    content: { text },
  });

describe('feishu emulator - long connection', () => {
  test('feishu emulator - WSClient connects, receives a whole event and acks 200', async () => {
    const { creds, h } = await connectedApp();
    const event = textEvent(creds.appId, 'hello');
    const ack = await emu.pushEvent(creds.appId, event);
    expect(ack.code).toBe(200);
    expect(ack.bizRt).toBeDefined();
    expect(h.received).toHaveLength(1);
    const got = h.received[0];
    expect(got.event_id).toBe(event.header.event_id);
    expect(got.message.message_id).toBe(messageIdOf(event));
    expect(JSON.parse(got.message.content)).toEqual({ text: 'hello' });
    expect(got.sender.sender_type).toBe('user');
    expect(emu.requests.filter((r) => r.path === '/callback/ws/endpoint')).toHaveLength(1);
  });

  test('feishu emulator - a fragmented event (3 fragments) is reassembled by the SDK', async () => {
    const { creds, h } = await connectedApp();
    const long = '飞书 long message ✓ '.repeat(200);
    const event = textEvent(creds.appId, long);
    const ack = await emu.pushEvent(creds.appId, event, { fragments: 3 });
    expect(ack.code).toBe(200);
    expect(emu.deliveries.at(-1)?.fragments).toBe(3);
    expect(JSON.parse(h.received[0].message.content).text).toBe(long);
  });

  test('feishu emulator - a throwing handler yields ack code 500', async () => {
    const { creds, h } = await connectedApp(() => {
      throw new Error('handler failed');
    });
    const ack = await emu.pushEvent(creds.appId, textEvent(creds.appId, 'boom'));
    expect(ack.code).toBe(500);
    expect(h.received).toHaveLength(1);
  });

  test('feishu emulator - a handler return value comes back in the ack as base64 JSON data', async () => {
    const { creds } = await connectedApp(() => ({ toast: { type: 'info', content: 'done' } }));
    const ack = await emu.pushEvent(creds.appId, textEvent(creds.appId, 'with result'));
    expect(ack.code).toBe(200);
    expect(ack.data).toEqual({ toast: { type: 'info', content: 'done' } });
    expect(typeof ack.payload.data).toBe('string');
  });

  test('feishu emulator - the SDK acks only after the handler resolves; a hung handler means no ack', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { creds } = await connectedApp((d) => (JSON.parse(d.message.content).text === 'never' ? new Promise(() => undefined) : gate));
    const pending = emu.pushEvent(creds.appId, textEvent(creds.appId, 'slow'), { timeoutMs: 1500 });
    await delay(300);
    expect(emu.deliveries.at(-1)?.ack).toBeUndefined();
    release();
    expect((await pending).code).toBe(200);
    await expect(emu.pushEvent(creds.appId, textEvent(creds.appId, 'never'), { timeoutMs: 200 })).rejects.toBeInstanceOf(AckTimeoutError);
    expect(emu.deliveries.at(-1)?.timedOut).toBe(true);
  });

  test('feishu emulator - ping/pong: the SDK pings, adopts the ClientConfig of the pong and stays connected', async () => {
    const creds = newCredentials();
    emu.addApp(creds);
    // The endpoint says PingInterval 0.1 s; once it has answered, every pong says 0.03 s.
    emu.setClientConfig({ PingInterval: 0.1 });
    emu.on('request', (r: { path: string }) => {
      if (r.path === '/callback/ws/endpoint') emu.setClientConfig({ PingInterval: 0.03 });
    });
    harnesses.push(await startWs(emu.url, creds));
    await emu.waitForConnections(creds.appId);
    await delay(600);
    const [conn] = emu.connectionInfo(creds.appId);
    // 0.1 s pings would give ~6; the pong's 0.03 s gives ~17. The SDK applies a pong's config from the
    // ping after next (the timer for the next ping is armed before the pong arrives).
    expect(conn.pings).toBeGreaterThanOrEqual(10);
    expect(emu.connections(creds.appId)).toBe(1);
  });

  test('feishu emulator - dropConnections: the SDK reconnects by itself and receives the next event', async () => {
    const { creds, h } = await connectedApp();
    const before = emu.connectionInfo(creds.appId)[0].id;
    const t0 = Date.now();
    expect(emu.dropConnections(creds.appId)).toBe(1);
    expect(emu.connections(creds.appId)).toBe(0);
    await emu.waitForConnections(creds.appId, 1, 5000);
    const reconnectMs = Date.now() - t0;
    expect(emu.connectionInfo(creds.appId)[0].id).not.toBe(before);
    expect(emu.requests.filter((r) => r.path === '/callback/ws/endpoint')).toHaveLength(2);
    const ack = await emu.pushEvent(creds.appId, textEvent(creds.appId, 'after reconnect'));
    expect(ack.code).toBe(200);
    expect(h.received.map((d) => JSON.parse(d.message.content).text)).toEqual(['after reconnect']);
    expect(reconnectMs).toBeLessThan(3000);
  });
});

describe('feishu emulator - several connections and redelivery', () => {
  test('feishu emulator - events are spread round robin over the connections of one app', async () => {
    const creds = newCredentials();
    emu.addApp(creds);
    const a = await startWs(emu.url, creds);
    const b = await startWs(emu.url, creds);
    harnesses.push(a, b);
    await emu.waitForConnections(creds.appId, 2);
    for (let i = 0; i < 4; i++) expect((await emu.pushEvent(creds.appId, textEvent(creds.appId, `m${i}`))).code).toBe(200);
    expect(a.received).toHaveLength(2);
    expect(b.received).toHaveLength(2);
    expect(new Set(emu.deliveries.map((d) => d.connectionId)).size).toBe(2);
  });

  test('feishu emulator - an event acked with 500 is redelivered (same event_id and message_id) over another connection', async () => {
    const creds = newCredentials();
    emu.addApp(creds);
    const failing = await startWs(emu.url, creds, () => {
      throw new Error('not stored');
    });
    harnesses.push(failing);
    await emu.waitForConnections(creds.appId, 1);
    const healthy = await startWs(emu.url, creds);
    harnesses.push(healthy);
    await emu.waitForConnections(creds.appId, 2);
    const event = textEvent(creds.appId, 'retry me');
    const second = emu.waitForAck((a) => a.attempt === 2);
    const first = await emu.pushEvent(creds.appId, event, { connection: 0, redeliverUnacked: { afterMs: 50, times: 2 } });
    expect(first.code).toBe(500);
    const again = await second;
    expect(again.code).toBe(200);
    expect(again.connectionId).not.toBe(first.connectionId);
    expect(again.eventId).toBe(event.header.event_id);
    expect(healthy.received[0].event_id).toBe(failing.received[0].event_id);
    expect(healthy.received[0].message.message_id).toBe(failing.received[0].message.message_id);
    await delay(150);
    expect(emu.deliveries.filter((d) => d.eventId === event.header.event_id)).toHaveLength(2);
  });

  test('feishu emulator - redeliver() sends a pushed event again', async () => {
    const { creds, h } = await connectedApp();
    const event = textEvent(creds.appId, 'twice');
    await emu.pushEvent(creds.appId, event);
    const ack = await emu.redeliver(event.header.event_id);
    expect(ack).toMatchObject({ code: 200, attempt: 2 });
    expect(h.received.map((d) => d.event_id)).toEqual([event.header.event_id, event.header.event_id]);
  });
});

describe('feishu emulator - long connection failures', () => {
  test('feishu emulator - WSClient.start() with an app id not matching ^cli_[0-9a-f]{16}$ only logs and returns', async () => {
    emu.addApp(newCredentials());
    const h = await startWs(emu.url, { appId: 'cli_not_hex', appSecret: 'x' });
    harnesses.push(h);
    await delay(100);
    expect(emu.requests).toHaveLength(0);
    expect(h.logs.some((l) => l.level === 'error' && l.text.includes('invalid appId'))).toBe(true);
  });

  test('feishu emulator - wrong secret: the endpoint answers 1000040345 and the SDK gives up (onError)', async () => {
    const creds = newCredentials();
    emu.addApp(creds);
    const h = await startWs(emu.url, { ...creds, appSecret: 'wrong' });
    harnesses.push(h);
    await eventually(() => h.errors.length > 0);
    expect(h.errors[0].message).toBe('pullConnectConfig failed: code=1000040345, msg=app_id or app_secret is invalid');
    await delay(300);
    expect(emu.requests.filter((r) => r.path === '/callback/ws/endpoint').map((r) => r.code)).toEqual([1000040345]);
  });

  test('feishu emulator - connection limit at the handshake: the extra client is refused and keeps retrying', async () => {
    const creds = newCredentials();
    emu.addApp(creds);
    emu.setConnectionLimit(creds.appId, 1);
    harnesses.push(await startWs(emu.url, creds));
    await emu.waitForConnections(creds.appId, 1);
    const extra = await startWs(emu.url, creds);
    harnesses.push(extra);
    await delay(700);
    expect(emu.connections(creds.appId)).toBe(1);
    // The Node SDK does not read Handshake-Status/-Autherrcode: it retries every ReconnectInterval.
    expect(emu.requests.filter((r) => r.path === '/callback/ws/endpoint').length).toBeGreaterThanOrEqual(3);
    expect(extra.errors).toEqual([]);
  });

  test('feishu emulator - connection limit at the endpoint: code 1000040350 is terminal for the SDK', async () => {
    const creds = newCredentials();
    emu.addApp(creds);
    emu.setConnectionLimit(creds.appId, 1, 'endpoint');
    harnesses.push(await startWs(emu.url, creds));
    await emu.waitForConnections(creds.appId, 1);
    const extra = await startWs(emu.url, creds);
    harnesses.push(extra);
    await eventually(() => extra.errors.length > 0);
    expect(extra.errors[0].message).toContain('code=1000040350');
  });

  test('feishu emulator - endpoint code 1000040343 (internal error) during reconnect is retried every ReconnectInterval', async () => {
    const { creds } = await connectedApp();
    emu.failNext({ api: 'endpoint', code: 1000040343, times: 2 });
    emu.dropConnections(creds.appId);
    await emu.waitForConnections(creds.appId, 1, 5000);
    expect(emu.requests.filter((r) => r.path === '/callback/ws/endpoint').map((r) => r.code)).toEqual([0, 1000040343, 1000040343, 0]);
  });
});

const CHAT = 'oc_5ce6d572455d361153b7cb51da133945';
/** A registered app and an SDK client for it. */
function apiApp() {
  const creds = newCredentials();
  const app = emu.addApp(creds);
  return { creds, app, client: makeClient(emu.url, creds) };
}

const messageIdOf = (event: { event: Record<string, unknown> }) => (event.event.message as { message_id: string }).message_id;

/** A user's message in CHAT that the app can reply to and react on. */
const chatMessage = (appId: string, text: string) =>
  emu.message({
    appId,
    chatId: CHAT,
    chatType: 'group',
    senderOpenId: 'ou_0123456789abcdef0123456789abcdef',
    messageType: 'text',
    content: { text },
  });

describe('feishu emulator - Open API through lark.Client', () => {
  test('feishu emulator - create a text message: real response shape, recorded in emu.sent', async () => {
    const { creds, app, client } = apiApp();
    const res = await client.im.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: CHAT, msg_type: 'text', content: JSON.stringify({ text: 'hello' }) },
    });
    expect(res.code).toBe(0);
    expect(res.data?.message_id).toMatch(/^om_[0-9a-f]{32}$/);
    expect(res.data).toMatchObject({
      msg_type: 'text',
      chat_id: CHAT,
      deleted: false,
      updated: false,
      body: { content: '{"text":"hello"}' },
      sender: { id: creds.appId, id_type: 'app_id', sender_type: 'app', tenant_key: app.tenantKey },
    });
    expect(emu.sent).toEqual([
      expect.objectContaining({
        appId: creds.appId,
        kind: 'create',
        receiveIdType: 'chat_id',
        receiveId: CHAT,
        msgType: 'text',
        content: { text: 'hello' },
      }),
    ]);
    const tokenCalls = emu.requests.filter((r) => r.path === '/open-apis/auth/v3/tenant_access_token/internal');
    expect(tokenCalls).toHaveLength(1);
  });

  test('feishu emulator - reply with uuid: the same uuid returns the first message and stores nothing new', async () => {
    const { creds, client } = apiApp();
    const incoming = chatMessage(creds.appId, 'hi bot');
    const parentId = messageIdOf(incoming);
    const reply = () =>
      client.im.message.reply({
        path: { message_id: parentId },
        data: { msg_type: 'text', content: JSON.stringify({ text: 'answer' }), uuid: 'reply-7f3a', reply_in_thread: true },
      });
    const first = await reply();
    const second = await reply();
    expect(second.data?.message_id).toBe(first.data?.message_id);
    expect(first.data).toMatchObject({ parent_id: parentId, root_id: parentId, chat_id: CHAT });
    expect(first.data?.thread_id).toMatch(/^omt_/);
    expect(emu.sent).toHaveLength(1);
    expect(emu.sent[0]).toMatchObject({ kind: 'reply', replyTo: parentId, uuid: 'reply-7f3a', replyInThread: true });
  });

  test('feishu emulator - reactions can be added and deleted', async () => {
    const { creds, client } = apiApp();
    const msg = chatMessage(creds.appId, 'x');
    const messageId = messageIdOf(msg);
    const added = await client.im.messageReaction.create({
      path: { message_id: messageId },
      data: { reaction_type: { emoji_type: 'THUMBSUP' } },
    });
    expect(added.data).toMatchObject({
      operator: { operator_id: creds.appId, operator_type: 'app' },
      reaction_type: { emoji_type: 'THUMBSUP' },
    });
    const reactionId = added.data?.reaction_id as string;
    await client.im.messageReaction.delete({ path: { message_id: messageId, reaction_id: reactionId } });
    expect(emu.reactions).toEqual([
      expect.objectContaining({ messageId, reactionId, emojiType: 'THUMBSUP', deletedAt: expect.any(Number) }),
    ]);
    const again = await client.im.messageReaction.delete({ path: { message_id: messageId, reaction_id: reactionId } }).catch((e) => e);
    expect(feishuErrorOf(again)).toMatchObject({ status: 400, code: 231011 });
  });

  test('feishu emulator - bot info', async () => {
    const creds = newCredentials();
    const app = emu.addApp({ ...creds, botName: 'Data Bot' });
    const client = makeClient(emu.url, creds);
    const info = await client.request<{ code: number; bot: Record<string, unknown> }>({ url: '/open-apis/bot/v3/info', method: 'GET' });
    expect(info).toEqual({
      code: 0,
      msg: 'ok',
      bot: { activate_status: 2, app_name: 'Data Bot', avatar_url: expect.any(String), ip_white_list: [], open_id: app.botOpenId },
    });
  });

  test('feishu emulator - an injected 230020 reaches the SDK caller with that code (HTTP 400)', async () => {
    const { client } = apiApp();
    emu.failNext({ api: 'create', code: 230020 });
    const err = await client.im.message
      .create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: CHAT, msg_type: 'text', content: '{"text":"x"}' } })
      .catch((e) => e);
    expect(feishuErrorOf(err)).toMatchObject({ status: 400, code: 230020, msg: 'This operation triggers the frequency limit.' });
    expect(emu.sent).toHaveLength(0);
  });

  test('feishu emulator - an injected 99991400 comes as HTTP 429 with x-ogw-ratelimit-reset', async () => {
    const { creds, client } = apiApp();
    emu.failNext({ api: 'reply', code: 99991400, resetSeconds: 7 });
    const msg = chatMessage(creds.appId, 'q');
    const err = await client.im.message
      .reply({
        path: { message_id: messageIdOf(msg) },
        data: { msg_type: 'text', content: '{"text":"a"}' },
      })
      .catch((e) => e);
    const f = feishuErrorOf(err);
    expect(f).toMatchObject({ status: 429, code: 99991400, msg: 'request trigger frequency limit' });
    expect(f.headers?.['x-ogw-ratelimit-reset']).toBe('7');
  });

  test('feishu emulator - wrong secret: the SDK token fetch fails with 10014', async () => {
    const creds = newCredentials();
    emu.addApp(creds);
    const client = makeClient(emu.url, { ...creds, appSecret: 'wrong' });
    const err = await client.im.message
      .create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: CHAT, msg_type: 'text', content: '{"text":"x"}' } })
      .catch((e: Error) => e);
    expect((err as Error).message).toBe('failed to get tenant_access_token, code: 10014, msg: app secret invalid');
    expect(emu.requests.map((r) => [r.path, r.status, r.code])).toEqual([['/open-apis/auth/v3/tenant_access_token/internal', 200, 10014]]);
  });

  test('feishu emulator - expireTokens: the SDK keeps its cached token and gets 99991663 until its cache is cleared', async () => {
    const creds = newCredentials();
    emu.addApp(creds);
    const cache = new TestCache();
    const client = makeClient(emu.url, creds, cache);
    const send = () =>
      client.im.message.create({
        params: { receive_id_type: 'chat_id' },
        data: { receive_id: CHAT, msg_type: 'text', content: '{"text":"x"}' },
      });
    await send();
    emu.expireTokens(creds.appId);
    for (let i = 0; i < 2; i++) {
      expect(feishuErrorOf(await send().catch((e) => e))).toMatchObject({ status: 400, code: 99991663 });
    }
    // No refresh happened: one token request in total.
    const tokenPath = '/open-apis/auth/v3/tenant_access_token/internal';
    expect(emu.requests.filter((r) => r.path === tokenPath)).toHaveLength(1);
    cache.values.clear();
    expect((await send()).code).toBe(0);
    expect(emu.requests.filter((r) => r.path === tokenPath)).toHaveLength(2);
  });
});

describe('feishu emulator - validation like Feishu', () => {
  let token: string;
  let creds: { appId: string; appSecret: string };
  const call = async (method: string, path: string, body?: unknown, auth: string | null = `Bearer ${token}`) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8' };
    if (auth !== null) headers.Authorization = auth;
    const res = await fetch(emu.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json, headers: res.headers };
  };
  const send = (receiveIdType: string, body: Record<string, unknown>) =>
    call('POST', `/open-apis/im/v1/messages?receive_id_type=${receiveIdType}`, body);

  beforeEach(async () => {
    creds = newCredentials();
    emu.addApp(creds);
    const r = await call(
      'POST',
      '/open-apis/auth/v3/tenant_access_token/internal',
      { app_id: creds.appId, app_secret: creds.appSecret },
      null,
    );
    expect(r.json).toMatchObject({ code: 0, msg: 'ok', expire: 7200 });
    token = r.json.tenant_access_token;
    expect(token).toMatch(/^t-/);
  });

  test('feishu emulator - token endpoints: same token while valid, 10003 for a malformed app id', async () => {
    const again = await call(
      'POST',
      '/open-apis/auth/v3/tenant_access_token/internal',
      { app_id: creds.appId, app_secret: creds.appSecret },
      null,
    );
    expect(again.json.tenant_access_token).toBe(token);
    const app = await call(
      'POST',
      '/open-apis/auth/v3/app_access_token/internal',
      { app_id: creds.appId, app_secret: creds.appSecret },
      null,
    );
    expect(app.json).toMatchObject({ code: 0, app_access_token: token, tenant_access_token: token });
    const bad = await call('POST', '/open-apis/auth/v3/tenant_access_token/internal', { app_id: 'test', app_secret: 'test' }, null);
    expect([bad.status, bad.json]).toEqual([200, { code: 10003, data: {}, msg: 'invalid param' }]);
  });

  test('feishu emulator - auth: missing or non-Bearer header 99991661, unknown token 99991663', async () => {
    const body = { receive_id: CHAT, msg_type: 'text', content: '{"text":"x"}' };
    const none = await call('POST', '/open-apis/im/v1/messages?receive_id_type=chat_id', body, null);
    expect([none.status, none.json.code]).toEqual([400, 99991661]);
    const noBearer = await call('POST', '/open-apis/im/v1/messages?receive_id_type=chat_id', body, token);
    expect([noBearer.status, noBearer.json.code]).toEqual([400, 99991661]);
    const fake = await call('POST', '/open-apis/im/v1/messages?receive_id_type=chat_id', body, 'Bearer t-fakefakefakefake');
    expect([fake.status, fake.json.code]).toEqual([400, 99991663]);
    expect(fake.json.error.log_id).toBeDefined();
  });

  test('feishu emulator - unknown paths and methods answer a plain-text 404 like the gateway', async () => {
    const r = await call('GET', '/open-apis/auth/v3/tenant_access_token/internal');
    expect([r.status, r.text]).toEqual([404, '404 page not found']);
  });

  test('feishu emulator - message validation: receive_id_type, receive_id prefix, msg_type, content', async () => {
    const text = { msg_type: 'text', content: '{"text":"x"}' };
    expect((await call('POST', '/open-apis/im/v1/messages', { receive_id: CHAT, ...text })).json).toMatchObject({
      code: 99992402,
      msg: 'field validation failed',
      error: { field_violations: [{ field: 'receive_id_type' }] },
    });
    expect((await send('chat_id', { receive_id: 'ou_0123456789abcdef0123456789abcdef', ...text })).json).toMatchObject({
      code: 230001,
      msg: 'Your request contains an invalid request parameter, ext=invalid receive_id',
    });
    expect((await send('open_id', { receive_id: CHAT, ...text })).json.code).toBe(230001);
    expect((await send('union_id', { receive_id: 'on_0123456789abcdef0123456789abcdef', ...text })).json.code).toBe(0);
    expect((await send('email', { receive_id: 'tom@example.com', ...text })).json.code).toBe(0);
    expect((await send('chat_id', { receive_id: CHAT, msg_type: 'markdown', content: '{}' })).json.msg).toContain('ext=invalid msg_type');
    expect((await send('chat_id', { receive_id: CHAT, msg_type: 'text', content: 'hello' })).json.msg).toContain(
      'content is not a string in json format',
    );
    expect((await send('chat_id', { receive_id: CHAT, msg_type: 'text', content: '{"txt":"x"}' })).json.msg).toContain(
      'content format of the text type is incorrect',
    );
    expect((await send('chat_id', { receive_id: CHAT, msg_type: 'image', content: '{}' })).json.code).toBe(230001);
  });

  test('feishu emulator - post content: locale or direct form accepted, receive-side wrapper and bad tags refused', async () => {
    const para = [
      [
        { tag: 'text', text: 'hi ' },
        { tag: 'at', user_id: 'ou_0123456789abcdef0123456789abcdef' },
        { tag: 'md', text: '**b**' },
      ],
    ];
    const post = (content: unknown) => send('chat_id', { receive_id: CHAT, msg_type: 'post', content: JSON.stringify(content) });
    expect((await post({ zh_cn: { title: 'T', content: para } })).json.code).toBe(0);
    expect((await post({ title: 'T', content: para })).json.code).toBe(0);
    expect((await post({ post: { zh_cn: { content: para } } })).json.code).toBe(230001);
    expect((await post({ zh_cn: { content: [[{ tag: 'table' }]] } })).json.msg).toContain('message_content has wrong tag:{table}');
    expect((await post({ zh_cn: { content: [[{ tag: 'a', text: 'x' }]] } })).json.msg).toContain(
      "message_content_a_tag's href field can't be nil",
    );
  });

  test('feishu emulator - size limits: text 150 KB, post/card 30 KB → 230025; card tables → 230099/11310', async () => {
    const big = (n: number) => 'x'.repeat(n);
    expect(
      (await send('chat_id', { receive_id: CHAT, msg_type: 'text', content: JSON.stringify({ text: big(100 * 1024) }) })).json.code,
    ).toBe(0);
    const tooLong = await send('chat_id', { receive_id: CHAT, msg_type: 'text', content: JSON.stringify({ text: big(150 * 1024) }) });
    expect([tooLong.status, tooLong.json.code, tooLong.json.msg]).toEqual([
      400,
      230025,
      'The length of the message content reaches its limit.',
    ]);
    const card = (elements: unknown[]) =>
      send('chat_id', { receive_id: CHAT, msg_type: 'interactive', content: JSON.stringify({ elements }) });
    expect((await card([{ tag: 'markdown', content: big(31 * 1024) }])).json.code).toBe(230025);
    const table = { tag: 'markdown', content: '| a | b |\n|---|---|\n| 1 | 2 |' };
    expect((await card([table, table])).json.code).toBe(0);
    const tables = await card(Array(6).fill(table));
    expect(tables.json).toMatchObject({ code: 230099 });
    expect(tables.json.msg).toContain('ErrCode: 11310; ErrMsg: card table number over limit');
    expect((await send('chat_id', { receive_id: CHAT, msg_type: 'interactive', content: '{"header":{}}' })).json.code).toBe(230099);
    expect(
      (
        await send('chat_id', {
          receive_id: CHAT,
          msg_type: 'interactive',
          content: JSON.stringify({ schema: '2.0', body: { elements: [] } }),
        })
      ).json.code,
    ).toBe(0);
  });

  test('feishu emulator - reply to an unknown or recalled message, bot removed from chat, unavailable user', async () => {
    const unknown = await call('POST', '/open-apis/im/v1/messages/om_00000000000000000000000000000000/reply', {
      msg_type: 'text',
      content: '{"text":"x"}',
    });
    expect(unknown.json).toMatchObject({ code: 230001, msg: 'Your request contains an invalid request parameter, ext=invalid message_id' });
    const msg = chatMessage(creds.appId, 'q');
    const id = messageIdOf(msg);
    emu.recallMessage(id);
    expect((await call('POST', `/open-apis/im/v1/messages/${id}/reply`, { msg_type: 'text', content: '{"text":"x"}' })).json.code).toBe(
      230011,
    );
    emu.removeBotFromChat(creds.appId, CHAT);
    const out = await send('chat_id', { receive_id: CHAT, msg_type: 'text', content: '{"text":"x"}' });
    expect([out.status, out.json.code, out.json.msg]).toEqual([400, 230002, 'Bot/User can NOT be out of the chat.']);
    emu.setUserUnavailable(creds.appId, 'ou_ffffffffffffffffffffffffffffffff');
    expect(
      (await send('open_id', { receive_id: 'ou_ffffffffffffffffffffffffffffffff', msg_type: 'text', content: '{"text":"x"}' })).json.code,
    ).toBe(230013);
  });

  test('feishu emulator - rate limits: 5 QPS per chat → 230020, 50 QPS per app → HTTP 429 99991400', async () => {
    emu.enforceRateLimits(true);
    const text = { msg_type: 'text', content: '{"text":"x"}' };
    const perChat = await Promise.all(Array.from({ length: 6 }, () => send('chat_id', { receive_id: CHAT, ...text })));
    expect(perChat.map((r) => r.json.code).sort()).toEqual([0, 0, 0, 0, 0, 230020]);
    const perApp = await Promise.all(
      Array.from({ length: 50 }, (_, i) => send('chat_id', { receive_id: `oc_${String(i).padStart(32, '0')}`, ...text })),
    );
    const limited = perApp.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0].json.code).toBe(99991400);
    expect(Number(limited[0].headers.get('x-ogw-ratelimit-reset'))).toBeGreaterThanOrEqual(1);
  });

  test('feishu emulator - latency injection delays the answer', async () => {
    emu.setLatency('create', 200);
    const t0 = Date.now();
    await send('chat_id', { receive_id: CHAT, msg_type: 'text', content: '{"text":"x"}' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });
});

describe('feishu emulator - webhook delivery checked by the SDK', () => {
  let server: Server;
  let url: string;
  let received: Array<Record<string, any>>;
  const ENCRYPT_KEY = 'kDf8vB0rT3yQ1mZ7xW5eL9sN2hP4jC6a';
  const VERIFICATION_TOKEN = 'v3rif1cat10nT0ken';

  const listen = async (encryptKey?: string) => {
    received = [];
    const { logger } = recordingLogger();
    const dispatcher = new lark.EventDispatcher({
      encryptKey,
      verificationToken: VERIFICATION_TOKEN,
      logger,
      loggerLevel: lark.LoggerLevel.error,
    }).register({
      'im.message.receive_v1': async (data: Record<string, any>) => {
        received.push(data);
        return 'ok';
      },
    });
    server = createServer(lark.adaptDefault('/webhook/event', dispatcher, { autoChallenge: true }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/event`;
  };

  afterEach(async () => {
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  });

  test('feishu emulator - encrypted + signed event is decrypted and verified by the SDK (adaptDefault)', async () => {
    await listen(ENCRYPT_KEY);
    const creds = newCredentials();
    emu.addApp({ ...creds, verificationToken: VERIFICATION_TOKEN });
    const event = textEvent(creds.appId, 'via webhook');
    const res = await emu.postWebhook(url, event, { encryptKey: ENCRYPT_KEY });
    expect(res.status).toBe(200);
    expect(received).toHaveLength(1);
    expect(received[0].event_id).toBe(event.header.event_id);
    expect(received[0].token).toBe(VERIFICATION_TOKEN);
  });

  test('feishu emulator - a wrong X-Lark-Signature is rejected by the SDK', async () => {
    await listen(ENCRYPT_KEY);
    const creds = newCredentials();
    emu.addApp(creds);
    const res = await emu.postWebhook(url, textEvent(creds.appId, 'forged'), {
      encryptKey: ENCRYPT_KEY,
      headers: { 'X-Lark-Signature': '0'.repeat(64) },
    });
    expect(res.status).toBe(200);
    expect(received).toHaveLength(0);
  });

  test('feishu emulator - the encrypt field is exactly what AESCipher.decrypt expects', () => {
    const creds = newCredentials();
    emu.addApp(creds);
    const event = textEvent(creds.appId, 'cipher');
    const { body, headers } = buildWebhookRequest(event, { encryptKey: ENCRYPT_KEY });
    const parsed = JSON.parse(body) as { encrypt: string };
    expect(JSON.parse(new lark.AESCipher(ENCRYPT_KEY).decrypt(parsed.encrypt))).toEqual(event);
    expect(headers['X-Lark-Signature']).toBe(
      signature(headers['X-Lark-Request-Timestamp'], headers['X-Lark-Request-Nonce'], ENCRYPT_KEY, body),
    );
  });

  test('feishu emulator - URL verification (plain and encrypted) is answered by the SDK auto-challenge', async () => {
    await listen(ENCRYPT_KEY);
    const enc = await emu.urlVerification(url, { encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN });
    expect(enc.ok).toBe(true);
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
    await listen(undefined);
    const plain = await emu.urlVerification(url, { verificationToken: VERIFICATION_TOKEN });
    expect(plain).toMatchObject({ ok: true, status: 200, json: { challenge: plain.challenge } });
    const creds = newCredentials();
    emu.addApp(creds);
    await emu.postWebhook(url, textEvent(creds.appId, 'plain event'));
    expect(received).toHaveLength(1);
  });
});

describe('feishu emulator - pbbp2 codec', () => {
  test('feishu emulator - frames round-trip, including 64-bit ids and negative int32', () => {
    const frame = {
      SeqID: 18446744073709551615n,
      LogID: 1n,
      service: -5,
      method: 1,
      headers: [
        { key: 'type', value: 'event' },
        { key: 'message_id', value: 'é' },
      ],
      payload: Buffer.from('{"a":1}'),
      LogIDNew: 'x',
    };
    expect(decodeFrame(encodeFrame(frame))).toEqual({ ...frame, payload: Uint8Array.from(frame.payload) });
  });

  test('feishu emulator - decoding is strict about required fields like the SDK', () => {
    // SeqID=1, LogID=2, service=3 but no method (field 4)
    expect(() => decodeFrame(Buffer.from([0x08, 0x01, 0x10, 0x02, 0x18, 0x03]))).toThrow("missing required 'method'");
    // unknown field 15 (varint) is skipped
    expect(decodeFrame(Buffer.from([0x08, 0x01, 0x10, 0x02, 0x18, 0x03, 0x20, 0x00, 0x78, 0x05])).method).toBe(0);
  });
});

describe('feishu emulator - event builder', () => {
  test('feishu emulator - message() builds an im.message.receive_v1 event the SDK parses (mentions, thread, p2p)', async () => {
    const { creds, app, h } = await connectedApp();
    const event = emu.message({
      appId: creds.appId,
      chatId: 'oc_11111111111111111111111111111111',
      chatType: 'p2p',
      senderOpenId: 'ou_22222222222222222222222222222222',
      messageType: 'text',
      content: { text: '@_user_1 how many?' },
      mentions: [{ key: '@_user_1', openId: app.botOpenId, name: app.botName }],
      rootId: 'om_33333333333333333333333333333333',
      parentId: 'om_33333333333333333333333333333333',
      threadId: 'omt_444444444444',
    });
    expect(event.header).toMatchObject({ event_type: 'im.message.receive_v1', app_id: creds.appId, tenant_key: app.tenantKey });
    await emu.pushEvent(creds.appId, event);
    const m = h.received[0].message;
    expect(m).toMatchObject({
      chat_type: 'p2p',
      message_type: 'text',
      root_id: 'om_33333333333333333333333333333333',
      thread_id: 'omt_444444444444',
    });
    expect(m.mentions[0]).toMatchObject({ key: '@_user_1', name: 'Test Bot', id: { open_id: app.botOpenId } });
    expect(h.received[0].sender.sender_id.open_id).toBe('ou_22222222222222222222222222222222');
  });
});

/**
 * The Slack emulator driven by the REAL @slack/socket-mode SocketModeClient and @slack/web-api
 * WebClient. Every assertion here is about what the SDKs send, receive and do.
 */
import { SocketModeClient } from '@slack/socket-mode';
import { WebClient } from '@slack/web-api';
import WebSocket from 'ws';
import { SlackEmulator, type AppInfo, type SlackEvent } from './index';
import { recordingLogger } from './sdk-clients';

let emu: SlackEmulator;
const clients: SocketModeClient[] = [];

beforeEach(async () => {
  emu = new SlackEmulator({ ackTimeoutMs: 500, retryDelaysMs: [100, 100], pingIntervalMs: 200, disconnectGraceMs: 2000 });
  await emu.start();
});

afterEach(async () => {
  for (const c of clients.splice(0)) {
    await c.disconnect();
    c.removeAllListeners();
  }
  await emu.stop();
  expect(emu.protocolErrors).toEqual([]);
});

type Received = {
  type: string;
  envelope_id: string;
  body: { event: SlackEvent; event_id: string };
  retry_num?: number;
  retry_reason?: string;
  ack: () => Promise<void>;
};

async function socketClient(app: AppInfo, opts: { ack?: boolean; autoReconnect?: boolean; lines?: string[] } = {}) {
  const received: Received[] = [];
  const client = new SocketModeClient({
    appToken: app.appToken,
    logger: recordingLogger(opts.lines),
    autoReconnectEnabled: opts.autoReconnect ?? false,
    clientPingTimeout: 300,
    serverPingTimeout: 1000,
    clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
  });
  client.on('slack_event', (e: Received) => {
    received.push(e);
    if (opts.ack ?? true) void e.ack();
  });
  clients.push(client);
  const hello = await client.start();
  return { client, received, hello };
}

const web = (token: string, extra: Record<string, unknown> = {}) =>
  new WebClient(token, { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 }, logger: recordingLogger(), ...extra });

async function slackError(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: string; data?: { error?: string }; retryAfter?: number; statusCode?: number };
    return { code: e.code, error: e.data?.error, data: e.data, retryAfter: e.retryAfter, statusCode: e.statusCode };
  }
  throw new Error('expected the call to fail');
}

function world() {
  const app = emu.addApp({ name: 'Data Bot' });
  const tom = emu.addUser({ name: 'tom', realName: 'Tom Li', displayName: 'Tom' });
  const channel = emu.addChannel({ name: 'sales', members: [app.botUserId, tom.id] }).id;
  return { app, tom, channel, dm: emu.dm(app.appId, tom.id) };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('slack emulator - Socket Mode', () => {
  test('slack emulator - SocketModeClient connects, gets hello, receives an events_api envelope and acks it', async () => {
    const { app, tom, dm } = world();
    const { received } = await socketClient(app);
    expect(emu.connections(app.appId)).toBe(1);
    const sent = emu.post({ channel: dm, user: tom.id, text: 'hi' });
    const [outcome] = await sent.deliveries;
    expect(outcome).toMatchObject({ acked: true, attempts: 1 });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      type: 'events_api',
      retry_num: 0,
      body: {
        type: 'event_callback',
        event_id: sent.eventIds[0],
        api_app_id: app.appId,
        event: { type: 'message', channel: dm, channel_type: 'im', user: tom.id, text: 'hi', ts: sent.ts },
      },
    });
    expect(emu.deliveries[0]).toMatchObject({ outcome: 'acked', ackPayload: {}, retryAttempt: 0, eventTs: sent.ts });
    expect(emu.requests.map((r) => [r.method, r.tokenKind])).toEqual([['apps.connections.open', 'app']]);
  });

  test('slack emulator - an unacked envelope is retried with retry_attempt + 1, retry_reason timeout and a new envelope_id', async () => {
    const { app, tom, dm } = world();
    const { received } = await socketClient(app, { ack: false });
    const sent = emu.post({ channel: dm, user: tom.id, text: 'anyone?' });
    const [outcome] = await sent.deliveries;
    expect(outcome).toMatchObject({ acked: false, attempts: 3 });
    expect(received.map((r) => [r.retry_num, r.retry_reason, r.body.event_id])).toEqual([
      [0, '', sent.eventIds[0]],
      [1, 'timeout', sent.eventIds[0]],
      [2, 'timeout', sent.eventIds[0]],
    ]);
    expect(new Set(received.map((r) => r.envelope_id)).size).toBe(3);
    await received[0]!.ack();
    await wait(50);
    expect(emu.lateAcks).toEqual([received[0]!.envelope_id]);
  });

  test('slack emulator - redeliver() continues the retry count of an event', async () => {
    const { app, tom, dm } = world();
    const { received } = await socketClient(app);
    const sent = emu.post({ channel: dm, user: tom.id, text: 'again' });
    await sent.deliveries;
    expect((await emu.redeliver(sent.eventIds[0]!)).acked).toBe(true);
    expect(received.map((r) => r.retry_num)).toEqual([0, 1]);
  });

  test('slack emulator - a refresh_requested disconnect makes the SDK close its socket and, with auto-reconnect, open a new one', async () => {
    const { app } = world();
    const lines: string[] = [];
    const { client } = await socketClient(app, { autoReconnect: true, lines });
    const closed = new Promise((r) => emu.once('close', r));
    // Wait for the SDK's own hello: disconnecting it while its reconnect is pending rejects a promise nobody handles.
    const reconnected = new Promise((r) => client.once('connected', r));
    const started = Date.now();
    expect(emu.disconnect(app.appId, 'refresh_requested')).toBe(1);
    await closed;
    expect(Date.now() - started).toBeLessThan(2000);
    await reconnected;
    expect(emu.connections(app.appId)).toBe(1);
    expect(lines.some((l) => l.includes('Received "disconnect" (refresh_requested) message'))).toBe(true);
    expect(emu.requests.filter((r) => r.method === 'apps.connections.open')).toHaveLength(2);
  });

  test('slack emulator - dropped sockets: the SDK notices the close and reconnects by itself', async () => {
    const { app, tom, dm } = world();
    const { client, received } = await socketClient(app, { autoReconnect: true });
    const reconnected = new Promise((r) => client.once('connected', r));
    expect(emu.dropConnections(app.appId)).toBe(1);
    await reconnected;
    await emu.post({ channel: dm, user: tom.id, text: 'after' }).deliveries;
    expect(received.at(-1)!.body.event.text).toBe('after');
  });

  test('slack emulator - server pings keep the SDK from timing the connection out', async () => {
    const { app } = world();
    await socketClient(app);
    await wait(1500);
    expect(emu.connections(app.appId)).toBe(1);
  });

  test('slack emulator - a connection URL works once; connections past the limit get too_many_websockets', async () => {
    const { app } = world();
    const { url } = (await web(app.appToken).apps.connections.open({})) as { url: string };
    const first = new WebSocket(url);
    const hello = await new Promise<string>((resolve) => first.once('message', (d) => resolve(d.toString())));
    expect(JSON.parse(hello)).toMatchObject({ type: 'hello', num_connections: 1, connection_info: { app_id: app.appId } });
    const again = new WebSocket(url);
    const status = await new Promise<number>((resolve) => again.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
    first.close();
    const limited = new SlackEmulator({ maxConnectionsPerApp: 1 });
    await limited.start();
    const app2 = limited.addApp();
    const open = async () =>
      new WebSocket(((await web(app2.appToken, { slackApiUrl: limited.apiUrl }).apps.connections.open({})) as { url: string }).url);
    const a = await open();
    await new Promise((r) => a.once('message', r));
    const b = await open();
    const msg = await new Promise<string>((resolve) => b.once('message', (d) => resolve(d.toString())));
    expect(JSON.parse(msg)).toMatchObject({ type: 'disconnect', reason: 'too_many_websockets' });
    a.close();
    await limited.stop();
  });

  test('slack emulator - apps.connections.open takes only the app-level token: the SDK start() fails with the platform error', async () => {
    const { app } = world();
    const start = (appToken: string) =>
      new SocketModeClient({
        appToken,
        logger: recordingLogger(),
        autoReconnectEnabled: false,
        clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
      }).start();
    expect(await slackError(start(app.botToken))).toMatchObject({ code: 'slack_webapi_platform_error', error: 'not_allowed_token_type' });
    expect(await slackError(start('xapp-1-A0-1-nope'))).toMatchObject({ code: 'slack_webapi_platform_error', error: 'invalid_auth' });
    emu.revokeToken(app.appToken);
    expect(await slackError(start(app.appToken))).toMatchObject({ error: 'token_revoked' });
  });
});

describe('slack emulator - Web API through WebClient', () => {
  test('slack emulator - auth.test answers the bot identity with the scopes in X-OAuth-Scopes', async () => {
    const { app } = world();
    const r = await web(app.botToken).auth.test();
    expect(r).toMatchObject({
      ok: true,
      url: 'https://acme.slack.com/',
      team: 'Acme',
      user: 'databot',
      team_id: app.teamId,
      user_id: app.botUserId,
      bot_id: app.botId,
      is_enterprise_install: false,
    });
    expect(r.response_metadata?.scopes).toEqual(expect.arrayContaining(['chat:write', 'users:read']));
    expect(await slackError(web('xoxb-1-2-unknown').auth.test())).toMatchObject({ error: 'invalid_auth' });
    expect(await slackError(web(app.appToken).auth.test())).toMatchObject({ error: 'not_allowed_token_type' });
  });

  test('slack emulator - chat.postMessage: form body from the SDK, JSON body with a Bearer header, recorded with its args', async () => {
    const { app, channel } = world();
    const r = await web(app.botToken).chat.postMessage({ channel, text: 'from the SDK', mrkdwn: false });
    expect(r).toMatchObject({
      ok: true,
      channel,
      ts: expect.stringMatching(/^\d{10}\.\d{6}$/),
      message: { type: 'message', user: app.botUserId, bot_id: app.botId, app_id: app.appId, text: 'from the SDK' },
    });
    expect(emu.requests.at(-1)).toMatchObject({
      method: 'chat.postMessage',
      contentType: 'application/x-www-form-urlencoded',
      tokenKind: 'bot',
    });
    const json = await fetch(`${emu.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel, text: 'as JSON' }),
    });
    expect(await json.json()).toMatchObject({ ok: true, channel });
    const tokenInBody = await fetch(`${emu.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: app.botToken, channel, text: 'x' }),
    });
    expect(await tokenInBody.json()).toEqual({ ok: false, error: 'not_authed' });
    expect(emu.posted.map((p) => [p.text, p.mrkdwn])).toEqual([
      ['from the SDK', false],
      ['as JSON', true],
    ]);
  });

  test('slack emulator - chat.postMessage checks like Slack: text, length, channel, membership, archive, thread, blocks', async () => {
    const { app, tom, channel, dm } = world();
    const c = web(app.botToken);
    const err = (args: Record<string, unknown>) => slackError(c.chat.postMessage(args as never)).then((e) => e.error);
    expect(await err({ channel })).toBe('no_text');
    expect(await err({ channel, text: 'x'.repeat(40_001) })).toBe('msg_too_long');
    expect(await err({ channel: 'C0NOPE', text: 'x' })).toBe('channel_not_found');
    expect(await err({ channel: emu.addChannel({ name: 'other', members: [tom.id] }).id, text: 'x' })).toBe('not_in_channel');
    expect(await err({ channel: emu.addChannel({ name: 'secret', kind: 'private', members: [tom.id] }).id, text: 'x' })).toBe(
      'channel_not_found',
    );
    expect(await err({ channel, text: 'x', thread_ts: '1700000000.000001' })).toBe('invalid_thread_ts');
    expect(await err({ channel, text: 'x', blocks: [{ type: 'nope' }] })).toBe('invalid_blocks');
    expect(await err({ channel, text: 'x', blocks: '{not json' })).toBe('invalid_blocks_format');
    const parent = emu.post({ channel, user: tom.id, text: 'parent' });
    const child = emu.post({ channel, user: tom.id, text: 'child', threadTs: parent.ts });
    await c.chat.postMessage({ channel, text: 'to the reply', thread_ts: child.ts });
    expect(emu.posted.at(-1)).toMatchObject({ threadTs: child.ts, threadRoot: parent.ts });
    expect(emu.message(channel, emu.posted.at(-1)!.ts)).toMatchObject({ threadTs: parent.ts, botId: app.botId });
    expect(emu.message(channel, parent.ts)!.replies).toEqual([child.ts, emu.posted.at(-1)!.ts]);
    await c.chat.postMessage({ channel: tom.id, text: 'by user id' });
    expect(emu.posted.at(-1)!.channel).toBe(dm);
    emu.archiveChannel(channel);
    expect(await err({ channel, text: 'x' })).toBe('is_archived');
  });

  test('slack emulator - injected 429 with Retry-After, HTTP 503, a dropped connection and latency reach the SDK as its own error types and delays', async () => {
    const { app, channel } = world();
    const c = web(app.botToken, { rejectRateLimitedCalls: true });
    emu.failNext({ method: 'chat.postMessage', status: 429, retryAfter: 7 });
    expect(await slackError(c.chat.postMessage({ channel, text: 'x' }))).toMatchObject({
      code: 'slack_webapi_rate_limited_error',
      retryAfter: 7,
    });
    emu.failNext({ method: 'chat.postMessage', status: 503 });
    expect(await slackError(c.chat.postMessage({ channel, text: 'x' }))).toMatchObject({
      code: 'slack_webapi_http_error',
      statusCode: 503,
    });
    emu.failNext({ method: 'chat.postMessage', drop: true });
    expect(await slackError(c.chat.postMessage({ channel, text: 'x' }))).toMatchObject({ code: 'slack_webapi_request_error' });
    emu.failNext({ method: 'chat.postMessage', error: 'ratelimited' });
    expect(await slackError(c.chat.postMessage({ channel, text: 'x' }))).toMatchObject({
      code: 'slack_webapi_platform_error',
      error: 'ratelimited',
    });
    emu.setLatency('chat.postMessage', 300);
    const started = Date.now();
    await c.chat.postMessage({ channel, text: 'finally' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(emu.posted.map((p) => p.text)).toEqual(['finally']);
    expect(emu.requests.map((r) => r.httpStatus)).toEqual([429, 503, 0, 200, 200]);
  });

  test('slack emulator - conversations.open, users.info and conversations.replies', async () => {
    const { app, tom, channel, dm } = world();
    const c = web(app.botToken);
    expect(await c.conversations.open({ users: tom.id })).toMatchObject({ ok: true, channel: { id: dm }, already_open: true });
    expect(await slackError(c.conversations.open({ users: 'U0NOBODY' }))).toMatchObject({ error: 'user_not_found' });
    expect(await slackError(c.conversations.open({ users: app.botUserId }))).toMatchObject({ error: 'cannot_dm_bot' });
    expect((await c.users.info({ user: tom.id })).user).toMatchObject({
      id: tom.id,
      name: 'tom',
      real_name: 'Tom Li',
      is_bot: false,
      profile: { display_name: 'Tom', real_name: 'Tom Li' },
    });
    expect((await c.users.info({ user: app.botUserId })).user).toMatchObject({ is_bot: true, real_name: 'Data Bot' });
    expect(await slackError(c.users.info({ user: 'U0NOBODY' }))).toMatchObject({ error: 'user_not_found' });
    const parent = emu.post({ channel, user: tom.id, text: 'p' });
    const child = emu.post({ channel, user: tom.id, text: 'c', threadTs: parent.ts });
    expect((await c.conversations.replies({ channel, ts: parent.ts })).messages!.map((m) => [m.ts, m.thread_ts])).toEqual([
      [parent.ts, parent.ts],
      [child.ts, parent.ts],
    ]);
    expect((await c.conversations.replies({ channel, ts: child.ts })).messages!.map((m) => [m.ts, m.thread_ts])).toEqual([
      [child.ts, parent.ts],
    ]);
    expect(await slackError(c.conversations.replies({ channel, ts: '1.000001' }))).toMatchObject({ error: 'thread_not_found' });
  });

  test('slack emulator - a method needing a scope the token lacks answers missing_scope with needed and provided', async () => {
    const app = emu.addApp({ scopes: ['chat:write'] });
    const tom = emu.addUser({ name: 'tom' });
    const e = await slackError(web(app.botToken).conversations.open({ users: tom.id }));
    expect(e).toMatchObject({ error: 'missing_scope', data: { needed: 'im:write', provided: 'chat:write' } });
    expect(await slackError(web(app.botToken).apiCall('users.list'))).toMatchObject({ error: 'unknown_method' });
  });
});

describe('slack emulator - events', () => {
  test('slack emulator - a channel mention sends message and app_mention; a DM only message; apps outside the channel nothing', async () => {
    const { app, tom, channel, dm } = world();
    const outsider = emu.addApp({ name: 'Other Bot' });
    const { received } = await socketClient(app);
    const { received: other } = await socketClient(outsider);
    const sent = emu.post({ channel, user: tom.id, text: `<@${app.botUserId}> numbers?` });
    await sent.deliveries;
    expect(received.map((r) => r.body.event.type).sort()).toEqual(['app_mention', 'message']);
    const mention = received.find((r) => r.body.event.type === 'app_mention')!.body.event;
    expect(mention).toMatchObject({ user: tom.id, ts: sent.ts, channel, event_ts: sent.ts });
    expect(mention.channel_type).toBeUndefined();
    expect(received.find((r) => r.body.event.type === 'message')!.body.event).toMatchObject({
      channel_type: 'channel',
      client_msg_id: expect.any(String),
    });
    await emu.post({ channel: dm, user: tom.id, text: `<@${app.botUserId}> in a DM` }).deliveries;
    expect(received.slice(2).map((r) => r.body.event.type)).toEqual(['message']);
    expect(other).toHaveLength(0);
  });

  test('slack emulator - the bot receives its own posts as message events with bot_id, like on Slack', async () => {
    const { app, channel } = world();
    const { received } = await socketClient(app);
    const r = await web(app.botToken).chat.postMessage({ channel, text: 'beep' });
    await new Promise((resolve) => emu.once('ack', resolve));
    expect(received[0]!.body.event).toMatchObject({
      type: 'message',
      user: app.botUserId,
      bot_id: app.botId,
      app_id: app.appId,
      text: 'beep',
      ts: r.ts,
      channel_type: 'channel',
    });
  });

  test('slack emulator - edits, deletions, joins, files and thread replies have Slack shapes', async () => {
    const { app, tom, channel } = world();
    const { received } = await socketClient(app);
    const parent = emu.post({ channel, user: tom.id, text: 'hello' });
    await parent.deliveries;
    await emu.post({ channel, user: tom.id, text: 'reply', threadTs: parent.ts, files: [{ name: 'a.png', mimetype: 'image/png' }] })
      .deliveries;
    await emu.edit(channel, parent.ts, 'hello!');
    await emu.remove(channel, parent.ts);
    await emu.join(channel, emu.addUser({ name: 'newbie' }).id);
    const events = received.map((r) => r.body.event);
    expect(events[1]).toMatchObject({
      subtype: 'file_share',
      thread_ts: parent.ts,
      parent_user_id: tom.id,
      files: [{ id: expect.stringMatching(/^F/), name: 'a.png', mimetype: 'image/png' }],
    });
    expect(events[2]).toMatchObject({
      subtype: 'message_changed',
      hidden: true,
      message: { text: 'hello!', ts: parent.ts },
      previous_message: { text: 'hello' },
    });
    expect(events[3]).toMatchObject({ subtype: 'message_deleted', hidden: true, deleted_ts: parent.ts });
    expect(events[4]).toMatchObject({ subtype: 'channel_join', text: expect.stringContaining('has joined the channel') });
  });
});

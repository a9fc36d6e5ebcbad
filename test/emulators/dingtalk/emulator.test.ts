import WebSocket from 'ws';
import { startEmulator } from '../../support/dingtalk';
import type { DingTalkEmulator } from '.';

let emu: DingTalkEmulator;
beforeEach(async () => {
  emu = await startEmulator({ pingIntervalMs: 0 });
});
afterEach(() => emu.stop());

const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${emu.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

async function connect(clientId: string, clientSecret: string) {
  const r = await post('/v1.0/gateway/connections/open', {
    clientId,
    clientSecret,
    subscriptions: [{ type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' }],
  });
  const ws = new WebSocket(`${r.body.endpoint}?ticket=${r.body.ticket}`);
  const frames: Array<Record<string, any>> = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  await new Promise((res, rej) => ws.once('open', res).once('error', rej));
  return { ws, frames, ticket: String(r.body.ticket), endpoint: String(r.body.endpoint) };
}

const until = async (f: () => boolean) => {
  for (const end = Date.now() + 5000; !f(); await new Promise((r) => setTimeout(r, 10))) if (Date.now() > end) throw new Error('timed out');
};

test('dingtalk emulator - token and connections/open refuse wrong credentials with invalidClientIdOrSecret; a ticket opens one connection', async () => {
  const app = emu.addApp();
  expect(await post('/v1.0/oauth2/accessToken', { appKey: app.clientId, appSecret: 'wrong' })).toEqual({
    status: 400,
    body: { code: 'invalidClientIdOrSecret', message: '无效的clientId或者clientSecret', requestid: expect.any(String) },
  });
  expect((await post('/v1.0/gateway/connections/open', { clientId: app.clientId, clientSecret: 'x', subscriptions: [] })).status).toBe(400);
  const c = await connect(app.clientId, app.clientSecret);
  await until(() => c.frames.length >= 2);
  expect(c.frames.map((f) => [f.type, f.headers.topic])).toEqual([
    ['SYSTEM', 'CONNECTED'],
    ['SYSTEM', 'REGISTERED'],
  ]);
  const again = new WebSocket(`${c.endpoint}?ticket=${c.ticket}`);
  await expect(new Promise((res, rej) => again.once('open', res).once('error', rej))).rejects.toThrow(/401/);
  c.ws.close();
});

test('dingtalk emulator - an unacknowledged CALLBACK is pushed again with the same messageId until acked; a malformed ack is a protocol error', async () => {
  emu.configure({ redeliverIntervalMs: 100 });
  const app = emu.addApp();
  const tom = emu.addUser();
  const c = await connect(app.clientId, app.clientSecret);
  const pushed = emu.message({ robotCode: app.robotCode, from: tom, text: 'hi' });
  await until(() => c.frames.filter((f) => f.type === 'CALLBACK').length >= 3);
  const callbacks = c.frames.filter((f) => f.type === 'CALLBACK');
  expect(new Set(callbacks.map((f) => f.headers.messageId))).toEqual(new Set([pushed.messageId]));
  expect(JSON.parse(callbacks[0]!.data)).toMatchObject({
    conversationType: '1',
    senderStaffId: tom.staffId,
    msgtype: 'text',
    text: { content: 'hi' },
  });
  c.ws.send(JSON.stringify({ code: 200, headers: {}, message: 'OK', data: '{}' }));
  c.ws.send(
    JSON.stringify({
      code: 200,
      headers: { contentType: 'application/json', messageId: pushed.messageId },
      message: 'OK',
      data: '{"response":{}}',
    }),
  );
  expect(await pushed.outcome).toMatchObject({ acked: true, response: { response: {} } });
  await until(() => emu.protocolErrors.length === 1);
  expect(emu.protocolErrors[0]!.error.message).toContain('messageId');
  emu.protocolErrors.length = 0;
  c.ws.close();
});

test('dingtalk emulator - OpenAPI calls need a valid token (401 InvalidAuthentication) and the permission (403 with requiredScopes)', async () => {
  const app = emu.addApp({ scopes: [] });
  expect(await post('/v1.0/robot/groupMessages/send', {}, { 'x-acs-dingtalk-access-token': 'nope' })).toMatchObject({
    status: 401,
    body: { code: 'InvalidAuthentication' },
  });
  const { body } = await post('/v1.0/oauth2/accessToken', { appKey: app.clientId, appSecret: app.clientSecret });
  expect(body).toEqual({ accessToken: expect.any(String), expireIn: 7200 });
  const denied = await post('/v1.0/robot/groupMessages/send', {}, { 'x-acs-dingtalk-access-token': String(body.accessToken) });
  expect(denied).toMatchObject({
    status: 403,
    body: { code: 'Forbidden.AccessDenied.AccessTokenPermissionDenied', accessdenieddetail: { requiredScopes: ['qyapi_robot_sendmsg'] } },
  });
});

/**
 * Card callbacks, the 3 s deadline and the upload/download limits of the Feishu emulator, driven by the
 * REAL @larksuiteoapi/node-sdk `WSClient` (no hook: what the SDK alone does with each frame shape).
 */
import * as lark from '@larksuiteoapi/node-sdk';
import { CallbackCodes, FeishuEmulator, FILE_LIMIT } from './index';
import { delay, newCredentials, recordingLogger } from './sdk-harness';

const FAST = { ReconnectCount: -1, ReconnectInterval: 0.2, ReconnectNonce: 0, PingInterval: 120 };
const USER = 'ou_7d8a6e6d0a1b2c3d4e5f60718293a4b5';
const CHAT = 'oc_0a1b2c3d4e5f60718293a4b5c6d7e8f9';

let emu: FeishuEmulator;
let ws: lark.WSClient | undefined;

beforeEach(async () => {
  emu = new FeishuEmulator({ clientConfig: FAST });
  await emu.start();
});

afterEach(async () => {
  ws?.close({ force: true });
  ws = undefined;
  await emu.stop();
});

async function token(creds: { appId: string; appSecret: string }): Promise<string> {
  const r = await fetch(`${emu.url}/open-apis/auth/v3/tenant_access_token/internal`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ app_id: creds.appId, app_secret: creds.appSecret }),
  });
  return ((await r.json()) as { tenant_access_token: string }).tenant_access_token;
}

/** An app whose card callbacks the SDK answers with `answer` (after `delayMs`); the bot has sent a card with one button. */
async function appWithCard(answer: (d: Record<string, unknown>) => unknown, delayMs = 0) {
  const creds = newCredentials();
  emu.addApp(creds);
  const { logger } = recordingLogger();
  const dispatcher = new lark.EventDispatcher({ logger }).register({
    'card.action.trigger': async (d: Record<string, unknown>) => {
      if (delayMs) await delay(delayMs);
      return answer(d);
    },
  });
  ws = new lark.WSClient({ ...creds, domain: emu.url, logger, loggerLevel: lark.LoggerLevel.error });
  await ws.start({ eventDispatcher: dispatcher });
  await emu.waitForConnections(creds.appId, 1);
  const card = {
    schema: '2.0',
    body: {
      elements: [{ tag: 'button', text: { tag: 'plain_text', content: 'Go' }, behaviors: [{ type: 'callback', value: { k: 'v' } }] }],
    },
  };
  const res = await fetch(`${emu.url}/open-apis/im/v1/messages?receive_id_type=chat_id`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await token(creds)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ receive_id: CHAT, msg_type: 'interactive', content: JSON.stringify(card) }),
  });
  const messageId = ((await res.json()) as { data: { message_id: string } }).data.message_id;
  return { creds, messageId };
}

describe('feishu emulator - card callbacks', () => {
  test('feishu emulator - a callback answered empty or with a toast in time shows no error; the SDK got schema 2.0 fields', async () => {
    let got: Record<string, unknown> = {};
    const { creds, messageId } = await appWithCard((d) => {
      got = d;
      return { toast: { type: 'success', content: 'Done' } };
    });
    const out = await emu.click({ appId: creds.appId, messageId, label: 'Go', operatorOpenId: USER });
    expect(out).toMatchObject({ code: 0, answer: { toast: { type: 'success', content: 'Done' } } });
    expect(got).toMatchObject({
      event_type: 'card.action.trigger',
      operator: { open_id: USER },
      token: expect.stringMatching(/^c-/),
      action: { value: { k: 'v' }, tag: 'button' },
      context: { open_message_id: messageId, open_chat_id: CHAT },
    });
  });

  test('feishu emulator - the SDK alone drops card frames: the user gets 200340 after 3 s', async () => {
    const { creds, messageId } = await appWithCard(() => ({}));
    const out = await emu.click({ appId: creds.appId, messageId, label: 'Go', operatorOpenId: USER, route: { via: 'card' } });
    expect(out.code).toBe(CallbackCodes.timeout);
    expect(out.latencyMs).toBeGreaterThanOrEqual(3000);
  });

  test('feishu emulator - an answer later than 3 s is 200340; an answer of the wrong shape 200672', async () => {
    const late = await appWithCard(() => ({}), 3300);
    expect((await emu.click({ appId: late.creds.appId, messageId: late.messageId, label: 'Go', operatorOpenId: USER })).code).toBe(200340);
    ws?.close({ force: true });
    const bad = await appWithCard(() => ({ toast: { type: 'loud', content: '' } }));
    expect((await emu.click({ appId: bad.creds.appId, messageId: bad.messageId, label: 'Go', operatorOpenId: USER })).code).toBe(200672);
  });
});

describe('feishu emulator - resources', () => {
  const upload = async (tok: string, path: string, fields: Record<string, string | Blob>) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    const res = await fetch(`${emu.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${tok}` }, body: form });
    return { status: res.status, body: (await res.json()) as { code: number; msg: string; data?: Record<string, string> } };
  };

  test('feishu emulator - files: 30 MB limit (234006), empty (234010), bad file_type (234001); bytes served only from their message', async () => {
    const creds = newCredentials();
    emu.addApp(creds);
    const tok = await token(creds);
    const over = await upload(tok, '/open-apis/im/v1/files', {
      file_type: 'pdf',
      file_name: 'a.pdf',
      file: new Blob([new Uint8Array(FILE_LIMIT + 1)]),
    });
    expect(over).toMatchObject({ status: 400, body: { code: 234006 } });
    const empty = await upload(tok, '/open-apis/im/v1/files', { file_type: 'pdf', file_name: 'a.pdf', file: new Blob([]) });
    expect(empty).toMatchObject({ status: 400, body: { code: 234010 } });
    const badType = await upload(tok, '/open-apis/im/v1/files', { file_type: 'exe', file_name: 'a.exe', file: new Blob(['x']) });
    expect(badType).toMatchObject({ status: 400, body: { code: 234001 } });
    const ok = await upload(tok, '/open-apis/im/v1/files', {
      file_type: 'pdf',
      file_name: 'q3.pdf',
      file: new Blob(['%PDF-1.7 report'], { type: 'application/pdf' }),
    });
    const fileKey = ok.body.data!.file_key!;
    const msg = emu.message({
      appId: creds.appId,
      chatId: CHAT,
      chatType: 'p2p',
      senderOpenId: USER,
      messageType: 'file',
      content: { file_key: fileKey, file_name: 'q3.pdf' },
    });
    const messageId = (msg.event.message as { message_id: string }).message_id;
    const get = (type: string, id = messageId) =>
      fetch(`${emu.url}/open-apis/im/v1/messages/${id}/resources/${fileKey}?type=${type}`, { headers: { authorization: `Bearer ${tok}` } });
    const res = await get('file');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('%PDF-1.7 report');
    expect(((await (await get('image')).json()) as { code: number }).code).toBe(234001);
    const other = emu.message({
      appId: creds.appId,
      chatId: CHAT,
      chatType: 'p2p',
      senderOpenId: USER,
      messageType: 'text',
      content: { text: 'x' },
    });
    expect(((await (await get('file', (other.event.message as { message_id: string }).message_id)).json()) as { code: number }).code).toBe(
      234003,
    );
  });
});

import { LOOPBACK_PATH, eventually, loopbackConfig } from '../../support';
import { useGatewayTest } from '../../support/fixture';
import { uniquePrefix } from '../../support/nats-server';
import { bootWebchat, tab as openTab } from './visitor';

const t = useGatewayTest();

const boot = (extra = '') => bootWebchat(t, extra);
const tab = (url: string, visitor: string, headers: Record<string, string> = {}, query = '') => openTab(t, url, visitor, headers, query);

const VISITOR = 'visitor-0001';

test('webchat - serves the page with a strict content security policy', async () => {
  const { gw, base } = await boot('    title: "Data <Assistant>"\n');
  const res = await fetch(`${base}/`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-security-policy')).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'/);
  const html = await res.text();
  expect(html).toContain('<title>Data &lt;Assistant&gt;</title>');
  expect(gw.logs.find((l) => l.msg === 'web chat page ready')?.url).toBe(`${base}/`);
});

test('webchat - a visitor message is acked once stored and becomes a direct-conversation envelope', async () => {
  const { gw, ws } = await boot();
  const inbox = gw.inbox;
  const page = await tab(ws, VISITOR);
  page.send('msg-00000001', 'hello there');
  expect(await page.next('ack')).toEqual({ type: 'ack', id: 'msg-00000001' });
  const [env] = await inbox.waitFor(1);
  expect(env).toMatchObject({
    id: `webchat:default:${VISITOR}.msg-00000001`,
    channel: 'webchat',
    conversation: { id: VISITOR, type: 'direct' },
    sender: { id: VISITOR, kind: 'user' },
    message: { text: 'hello there' },
  });
  page.send('msg-00000001', 'hello there');
  await eventually(() => page.frames.filter((f) => f.type === 'ack').length === 2, 'second ack');
  await gw.inboundBarrier((text) => page.send(text, text));
  expect(inbox.items).toHaveLength(1);
});

test('webchat - an answer reaches every tab of the visitor and gets an ok receipt', async () => {
  const { gw, ws } = await boot();
  const receipts = gw.receipts;
  const a = await tab(ws, VISITOR);
  const b = await tab(ws, VISITOR);
  const other = await tab(ws, 'visitor-0002');
  gw.publish('webchat.default', { id: 'ans-1', conversation: { id: VISITOR }, text: '**42**', format: 'markdown' });
  expect(await a.next('reply')).toMatchObject({ id: 'ans-1', text: '**42**', format: 'markdown' });
  expect(await b.next('reply')).toMatchObject({ id: 'ans-1' });
  const [r] = await receipts.waitFor(1);
  expect(r).toMatchObject({ id: 'ans-1', ok: true, messageIds: ['wc_ans-1'] });
  expect(other.frames.filter((f) => f.type === 'reply')).toHaveLength(0);
});

test('webchat - an answer for a visitor with no open page waits and arrives when the page reconnects', async () => {
  const { gw, ws } = await boot();
  const receipts = gw.receipts;
  gw.publish('webchat.default', { id: 'later-1', conversation: { id: VISITOR }, text: 'you were away' });
  // The gateway tried and kept the answer for later: no receipt yet.
  await eventually(
    () => gw.logs.lines.some((l) => l.id === 'later-1' && l.msg === 'recipient unavailable: envelope kept for later'),
    'the answer kept for later',
  );
  expect(receipts.items).toHaveLength(0);
  const page = await tab(ws, VISITOR);
  expect(await page.next('reply')).toMatchObject({ id: 'later-1', text: 'you were away' });
  const [r] = await receipts.waitFor(1);
  expect(r).toMatchObject({ id: 'later-1', ok: true });
}, 20_000);

test("webchat - another tab of the visitor sees the visitor's own message", async () => {
  const { ws } = await boot();
  const a = await tab(ws, VISITOR);
  const b = await tab(ws, VISITOR);
  a.send('own-000001', 'from tab a');
  expect(await b.next('message')).toMatchObject({ type: 'message', id: 'own-000001', text: 'from tab a' });
});

test('webchat - foreign origins are refused unless allowed; the token gates page and socket', async () => {
  const { gw, ws, base } = await boot('    token: s3cret-token\n    allowedOrigins: ["https://intranet.example.com"]\n');
  expect((await fetch(`${base}/`)).status).toBe(401);
  expect((await fetch(`${base}/?token=s3cret-token`)).status).toBe(200);
  await expect(tab(ws, VISITOR)).rejects.toThrow('refused: 401');
  await expect(tab(ws, VISITOR, { Origin: 'https://evil.example.com' }, '&token=s3cret-token')).rejects.toThrow('refused: 403');
  const ok = await tab(ws, VISITOR, { Origin: 'https://intranet.example.com' }, '&token=s3cret-token');
  ok.send('tok-000001', 'let me in');
  expect(await ok.next('ack')).toEqual({ type: 'ack', id: 'tok-000001' });
  expect(gw.logs.raw.join('\n')).not.toContain('s3cret-token');
});

test('webchat - malformed frames get an error frame and the connection keeps serving', async () => {
  const { ws } = await boot('    maxMessageLength: 10\n');
  const page = await tab(ws, VISITOR);
  page.ws.send('not json');
  page.ws.send(JSON.stringify({ type: 'message', id: 'x', text: 'short id' }));
  page.ws.send(JSON.stringify({ type: 'message', id: 'long-000001', text: 'this is far too long' }));
  await eventually(() => page.frames.filter((f) => f.type === 'error').length === 3, 'three error frames');
  expect(page.of('error').map((f) => f.message)).toEqual([
    'frame is not JSON',
    'message id must be 8-64 characters of A-Z a-z 0-9 _ -',
    'message is longer than 10 characters',
  ]);
  // The refusal names the message, so the page marks it as not sent and stops resending it.
  expect(page.frames.filter((f) => f.type === 'error').map((f) => [f.id, f.retry])).toEqual([
    [undefined, false],
    [undefined, false],
    ['long-000001', false],
  ]);
  page.send('fine-000001', 'ok now');
  expect(await page.next('ack')).toEqual({ type: 'ack', id: 'fine-000001' });
});

test('webchat - the gateway root is the status page, which links the chat page of each running web chat instance, and nothing else', async () => {
  const gw = await t.boot(
    loopbackConfig(
      t.nats.url,
      uniquePrefix(),
      `  - use: webchat\n    account: sales\n  - use: webchat\n    account: sales-bot\n  - use: webchat\n    account: off-duty\n    enabled: false\n  - use: ${LOOPBACK_PATH}\n`,
    ),
  );
  const res = await fetch(`${gw.gateway.http.url}/`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(await res.text()).toContain('<title>chat-gateway status</title>');
  const view = (await (await fetch(`${gw.gateway.http.url}/status.json`)).json()) as { pages: string[] };
  expect(view.pages).toEqual(['/webchat/sales', '/webchat/sales-bot']);
  for (const p of view.pages) expect((await fetch(`${gw.gateway.http.url}${p}/`)).status).toBe(200);
});

import { signToken } from '../../../plugins/webchat/identity';
import { useGatewayTest } from '../../support/fixture';
import { SITE_SECRET, bootWebchat, connect, siteIdentity, tab } from './visitor';

const t = useGatewayTest();

test('webchat identity - a signed visitor is the site user: sender and conversation are its id, the name comes from the token', async () => {
  const { gw, ws } = await bootWebchat(t);
  const page = await connect(t, ws, siteIdentity('user:42@acme', { name: 'Ada Lovelace' }));
  expect(await page.next('hello')).toEqual({ type: 'hello', visitor: 'user:42@acme', name: 'Ada Lovelace' });
  page.send('msg-00000001', 'hello');
  expect(await page.next('ack')).toEqual({ type: 'ack', id: 'msg-00000001' });
  const [env] = await gw.inbox.waitFor(1);
  expect(env).toMatchObject({
    id: 'webchat:default:user:42@acme.msg-00000001',
    conversation: { id: 'user:42@acme', type: 'direct' },
    sender: { id: 'user:42@acme', name: 'Ada Lovelace', kind: 'user' },
  });
});

test('webchat identity - unsigned, forged and expired identities are closed with 4401 and the reason; nothing is published', async () => {
  const { gw, ws } = await bootWebchat(t);
  const valid = siteIdentity('visitor-0001');
  const [header, payload] = valid.split('.');
  const otherPayload = Buffer.from(JSON.stringify({ sub: 'admin', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
  const cases: Array<[string, string | undefined, string]> = [
    ['no identity', undefined, 'this chat needs a signed identity from the site (identity=...)'],
    ['a bare visitor id', 'visitor-0001', 'identity is not a signed token (header.payload.signature)'],
    ['signed with another secret', siteIdentity('visitor-0001', {}, 600, 'not-the-site-secret'), 'identity signature is not valid'],
    ['a payload swapped under a valid signature', `${header}.${otherPayload}.${valid.split('.')[2]}`, 'identity signature is not valid'],
    ['alg none', none, 'identity token must be signed with HS256 (got "none")'],
    ['expired', siteIdentity('visitor-0001', {}, -5), 'identity expired: the site must sign a new one'],
    ['no exp', signToken({ sub: 'visitor-0001' }, SITE_SECRET), 'identity token has no exp'],
  ];
  for (const [what, identity, reason] of cases) {
    const page = await connect(t, ws, identity);
    expect([what, await page.closed]).toEqual([what, { code: 4401, reason }]);
    expect([what, page.frames]).toEqual([what, []]);
  }
  expect(gw.logs.lines.filter((l) => l.msg === 'web chat identity refused')).toHaveLength(cases.length);
  expect(gw.inbox.items).toHaveLength(0);
});

test('webchat identity - replayed tokens: one for another chat, one the gateway issued, and a valid one presented for someone else', async () => {
  const { gw, ws } = await bootWebchat(t);
  // A token the site signed for another web chat instance (aud) is not taken here.
  const elsewhere = await connect(t, ws, siteIdentity('visitor-0001', { aud: 'webchat:support' }));
  expect(await elsewhere.closed).toEqual({ code: 4401, reason: 'identity is for another chat (aud must be "webchat:default")' });
  // An anonymous id issued by a gateway (signed with the gateway's own key) is not a site identity.
  const anon = await bootWebchat(t, '', { anonymous: true });
  const issued = await connect(t, anon.ws);
  const hello = await issued.next('hello');
  const replayed = await connect(t, ws, String(hello.identity));
  expect(await replayed.closed).toEqual({ code: 4401, reason: 'identity signature is not valid' });
  // A valid token is who it says, whatever else the connection claims.
  const ada = await connect(t, ws, siteIdentity('ada'), {}, '&visitor=bob');
  expect(await ada.next('hello')).toEqual({ type: 'hello', visitor: 'ada' });
  ada.send('msg-00000002', 'am I bob?');
  const [env] = await gw.inbox.waitFor(1);
  expect([env!.sender.id, env!.conversation.id]).toEqual(['ada', 'ada']);
});

test('webchat identity - anonymous mode issues a signed id, renews it on reconnect, and replaces a forged one', async () => {
  const { gw, ws } = await bootWebchat(t, '', { anonymous: true });
  const first = await connect(t, ws);
  const hello = await first.next('hello');
  expect(hello).toEqual({ type: 'hello', visitor: expect.stringMatching(/^v_[A-Za-z0-9_-]{16}$/), identity: expect.any(String) });
  first.ws.close();
  const again = await connect(t, ws, String(hello.identity));
  expect(await again.next('hello')).toEqual({ type: 'hello', visitor: hello.visitor, identity: expect.any(String) });
  again.send('msg-00000003', 'still me');
  const [env] = await gw.inbox.waitFor(1);
  expect(env!.sender.id).toBe(hello.visitor);
  const forged = await connect(t, ws, signToken({ sub: String(hello.visitor), exp: 4102444800 }, 'guess'));
  expect(await forged.closed).toEqual({ code: 4401, reason: 'identity signature is not valid' });
});

test('webchat identity - allowFrom applies to the site user id: others are acked but not published', async () => {
  const { gw, ws } = await bootWebchat(t, '    allowFrom: ["ada"]\n');
  const bob = await tab(t, ws, 'bob');
  bob.send('msg-00000004', 'from bob');
  expect(await bob.next('ack')).toEqual({ type: 'ack', id: 'msg-00000004' });
  const ada = await tab(t, ws, 'ada');
  await gw.inboundBarrier((text) => ada.send(text, text));
  expect(gw.inbox.items).toHaveLength(0);
});

test('webchat identity - a flood past maxMessagesPerMinute gets error frames with retry, and only the limit is published', async () => {
  const { gw, ws } = await bootWebchat(t, '    maxMessagesPerMinute: 3\n');
  const page = await tab(t, ws, 'visitor-0001');
  for (let i = 1; i <= 5; i++) page.send(`flood-00000${i}`, `message ${i}`);
  await page.next('error', (f) => f.id === 'flood-000005');
  expect(page.of('ack').map((f) => f.id)).toEqual(['flood-000001', 'flood-000002', 'flood-000003']);
  expect(page.of('error').map((f) => [f.id, f.retry, f.message])).toEqual([
    ['flood-000004', true, expect.stringMatching(/^too many messages: at most 3 a minute; sent again in \d+ s$/)],
    ['flood-000005', true, expect.stringMatching(/^too many messages: at most 3 a minute; sent again in \d+ s$/)],
  ]);
  const other = await tab(t, ws, 'visitor-0002');
  await gw.inboundBarrier((text) => other.send(text, text));
  expect(gw.inbox.items.map((e) => e.message.text)).toEqual(['message 1', 'message 2', 'message 3']);
});

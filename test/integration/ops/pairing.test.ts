import type { LogCapture, StartOptions } from '../../support/harness';
import { CHAT, USER, newApp, feishuConfig, textEvent } from '../../support/feishu';
import { LOOPBACK_PATH, eventually, loopback, loopbackConfig } from '../../support';
import { useGatewayTest } from '../../support/fixture';
import { uniquePrefix } from '../../support/nats-server';
import { cli } from './ops-support';

const t = useGatewayTest({ emulator: 'feishu' });

const CODE = /chat-gateway pair approve ([A-HJ-NP-Z2-9]{6}) /;
const entry = (account: string, extra = '') => `  - use: ${LOOPBACK_PATH}\n    account: ${account}\n    dmPolicy: pairing\n${extra}`;
const dm = (id: string, sender = 'ou_stranger') => ({
  messageId: id,
  conversation: { id: `dm_${sender}`, type: 'direct' as const },
  sender: { id: sender, name: 'Tom' },
  parts: [{ type: 'text' as const, text: id }],
});

const boot = (entries: string, opts: StartOptions = {}) => t.boot(loopbackConfig(t.nats.url, uniquePrefix(), entries), opts);

/** Runs the CLI as an operator: it must succeed printing `prints`, and the gateway then logs `gatewayLogs`. */
async function operator(logs: LogCapture, argv: string[], expected: { prints: string; gatewayLogs: string }): Promise<void> {
  expect(await cli(...argv)).toEqual({ code: 0, err: '', out: expected.prints });
  await eventually(() => logs.messages().includes(expected.gatewayLogs), `the gateway logged: ${expected.gatewayLogs}`);
}

/** The pending pairing codes, as `chat-gateway pair list --json` prints them. */
async function pending(file: string): Promise<Array<{ code: string; repliedAt: string; expiresAt: string }>> {
  return JSON.parse((await cli('pair', 'list', '-c', file, '--json')).out).pending;
}

/** The codes the loopback "platform" received, in order. */
const codesSent = (account: string) => loopback.get(account).sent.map((s) => CODE.exec(s.envelope.text ?? '')?.[1]);

test("pairing - a stranger's DM gets one code; the operator approves it with the CLI; the next message reaches the agent", async () => {
  const { file, logs, inbox } = await boot(entry('pair') + entry('other'));
  const lb = loopback.get('pair');
  expect(await lb.receive(dm('p1'))).toEqual({ outcome: 'denied', id: 'loopback:pair:p1', reason: 'awaiting pairing approval' });
  await eventually(() => lb.sent.length === 1, 'the pairing reply');
  const reply = lb.sent[0]!.envelope;
  expect(reply).toMatchObject({ v: 1, conversation: { id: 'dm_ou_stranger' } });
  expect(reply.text).toMatch(
    /^To use this bot, ask an operator to run: chat-gateway pair approve [A-HJ-NP-Z2-9]{6} \(the code is valid for 60 minutes\)$/,
  );
  const code = codesSent('pair')[0]!;
  expect(logs.find((l) => l.code === code && l.level === 30)).toMatchObject({
    channel: 'loopback',
    account: 'pair',
    senderId: 'ou_stranger',
    senderName: 'Tom',
    msg: `message from ou_stranger dropped: sender not allowed yet; pairing code ${code} sent; approve with: chat-gateway pair approve ${code}`,
  });

  // Writing again within the minute: no second reply, the same code stays pending.
  expect((await lb.receive(dm('p2'))).outcome).toBe('denied');
  await eventually(
    () => logs.messages().includes('message from ou_stranger dropped: pairing code already sent moments ago, not sent again'),
    'the gate decided not to reply',
  );
  expect(lb.sent).toHaveLength(1);

  const list = await cli('pair', 'list', '-c', file);
  expect(list.code).toBe(0);
  expect(list.out).toMatch(
    new RegExp(
      `^Pending codes \\(1\\):\\nCODE +INSTANCE +SENDER +NAME +EXPIRES\\n${code} +loopback/pair +ou_stranger +Tom +in 59m\\n\\nApproved senders \\(0\\):\\n$`,
    ),
  );

  await operator(logs, ['pair', 'approve', code.toLowerCase(), '-c', file], {
    prints: 'approved ou_stranger (Tom) for loopback/pair: their next message reaches the agent\n',
    gatewayLogs: 'pairing approved: ou_stranger may now message loopback/pair',
  });

  expect((await lb.receive(dm('p3'))).outcome).toBe('stored');
  expect((await inbox.waitFor(1))[0]).toMatchObject({ id: 'loopback:pair:p3', sender: { id: 'ou_stranger' } });
  // An approval is for one instance: the same sender is still a stranger to another.
  expect((await loopback.get('other').receive(dm('o1'))).outcome).toBe('denied');
  await eventually(() => loopback.get('other').sent.length === 1, 'a code from the other instance');

  const after = await cli('pair', 'list', '-c', file, '--json');
  const body = JSON.parse(after.out) as {
    pending: Array<{ account: string }>;
    approved: Array<{ account: string; sender: { id: string }; code: string }>;
  };
  expect(body.approved).toEqual([
    expect.objectContaining({ channel: 'loopback', account: 'pair', sender: { id: 'ou_stranger', name: 'Tom' }, code }),
  ]);
  expect(body.pending.map((p) => p.account)).toEqual(['other']);
  expect(await cli('pair', 'approve', code, '-c', file)).toEqual({
    code: 1,
    out: '',
    err: `chat-gateway: no pending pairing code ${code} (chat-gateway pair list shows the pending ones)\n`,
  });
});

test('pairing - a listed sender needs no code, group messages from strangers get no reply, and groups open up after approval', async () => {
  const { file } = await boot(entry('pair', '    allowFrom: ["ou_boss"]\n    groupPolicy: open\n'));
  const lb = loopback.get('pair');
  expect((await lb.receive(dm('b1', 'ou_boss'))).outcome).toBe('stored');
  const group = (id: string) => ({ ...dm(id), conversation: { id: 'oc_team', type: 'group' as const } });
  // Refused before any pairing (not 'awaiting pairing approval'): the gate never answered it.
  expect(await lb.receive(group('g1'))).toEqual({ outcome: 'denied', id: 'loopback:pair:g1', reason: 'not-in-allowFrom' });
  expect(lb.sent).toHaveLength(0);
  await lb.receive(dm('d1'));
  await eventually(() => lb.sent.length === 1, 'the pairing reply');
  expect(lb.sent.map((s) => s.envelope.conversation?.id)).toEqual(['dm_ou_stranger']);
  expect((await cli('pair', 'approve', codesSent('pair')[0]!, '-c', file)).code).toBe(0);
  await eventually(
    async () => (await lb.receive(group(`g2-${Date.now()}`))).outcome === 'stored',
    'the approved sender reaches the agent from a group',
  );
});

test('pairing - an expired code cannot be approved and the next message gets a new one', async () => {
  const { file, logs } = await boot(entry('pair'), { pairing: { codeTtlMs: 400 } });
  const lb = loopback.get('pair');
  await lb.receive(dm('e1'));
  await eventually(() => lb.sent.length === 1, 'the first code');
  const first = codesSent('pair')[0]!;
  const [code] = await pending(file);
  await eventually(() => Date.now() > Date.parse(code!.expiresAt), 'the code expired');
  const r = await cli('pair', 'approve', first, '-c', file);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(
    new RegExp(`^chat-gateway: pairing code ${first} expired at \\S+Z; ask ou_stranger to send a new message for a new code\\n$`),
  );
  await lb.receive(dm('e2'));
  await eventually(() => lb.sent.length === 2, 'a new code');
  expect(codesSent('pair')[1]).not.toBe(first);
  expect(logs.lines.filter((l) => typeof l.code === 'string' && l.level === 30).map((l) => l.code)).toEqual([first, codesSent('pair')[1]]);
});

test('pairing - at most 3 codes wait per instance; a sender writing again after a minute gets the same code again', async () => {
  const { file, logs } = await boot(entry('pair'), { pairing: { replyEveryMs: 300 } });
  const lb = loopback.get('pair');
  for (const who of ['ou_a', 'ou_b', 'ou_c', 'ou_d']) await lb.receive(dm(`m-${who}`, who));
  await eventually(() => lb.sent.length === 3, 'three codes');
  await eventually(() => logs.find((l) => l.senderId === 'ou_d') !== undefined, 'the fourth sender refused');
  expect(lb.sent.map((s) => s.envelope.conversation!.id)).toEqual(['dm_ou_a', 'dm_ou_b', 'dm_ou_c']);
  expect(logs.find((l) => l.senderId === 'ou_d')).toMatchObject({
    level: 40,
    msg: 'message from ou_d dropped: 3 pairing codes are already waiting for approval on loopback/pair (the most); approve or revoke them (chat-gateway pair list) or wait until they expire',
  });
  const codes = await pending(file);
  expect(codes).toHaveLength(3);

  const repliedAt = Date.parse(codes.find((p) => p.code === codesSent('pair')[0])!.repliedAt);
  await eventually(() => Date.now() - repliedAt > 300, 'replyEveryMs passed since the first reply');
  await lb.receive(dm('again', 'ou_a'));
  await eventually(() => lb.sent.length === 4, 'the code sent again');
  expect(codesSent('pair')[3]).toBe(codesSent('pair')[0]);
  expect(logs.messages()).toContain(
    `message from ou_a dropped: pairing code ${codesSent('pair')[0]} sent again; approve with: chat-gateway pair approve ${codesSent('pair')[0]}`,
  );
});

test('pairing - revoke takes an approval back at once; the sender needs a new code', async () => {
  const { file, logs } = await boot(entry('pair'));
  const lb = loopback.get('pair');
  await lb.receive(dm('r1', 'ou_x'));
  await eventually(() => lb.sent.length === 1, 'the code');
  expect((await cli('pair', 'approve', codesSent('pair')[0]!, '-c', file)).code).toBe(0);
  await eventually(async () => (await lb.receive(dm(`r2-${Date.now()}`, 'ou_x'))).outcome === 'stored', 'approved');

  await operator(logs, ['pair', 'revoke', 'ou_x', '--instance', 'loopback/pair', '-c', file], {
    prints: 'revoked ou_x for loopback/pair\n',
    gatewayLogs: 'pairing revoked: ou_x no longer reaches loopback/pair',
  });
  expect((await lb.receive(dm('r3', 'ou_x'))).outcome).toBe('denied');
  await eventually(() => lb.sent.length === 2, 'a new code');
  expect(codesSent('pair')[1]).not.toBe(codesSent('pair')[0]);

  expect(await cli('pair', 'revoke', 'ou_x', '--instance', 'loopback/pair', '-c', file)).toEqual({
    code: 1,
    out: '',
    err: 'chat-gateway: ou_x is not an approved sender of loopback/pair (chat-gateway pair list shows them)\n',
  });
  expect((await cli('pair', 'revoke', 'ou_x', '-c', file)).code).toBe(2);
  expect((await cli('pair', 'approve', 'ABC10O', '-c', file)).err).toMatch(/^chat-gateway: "ABC10O" is not a pairing code/);
});

test('pairing - approvals are kept in NATS: a restarted gateway knows them', async () => {
  const gw = await boot(entry('pair'));
  const lb = loopback.get('pair');
  await lb.receive(dm('s1'));
  await eventually(() => lb.sent.length === 1, 'the code');
  expect((await cli('pair', 'approve', codesSent('pair')[0]!, '-c', gw.file)).code).toBe(0);
  await gw.restart();
  expect((await loopback.get('pair').receive(dm('s2'))).outcome).toBe('stored');
});

test('pairing - the code reaches the Feishu user, and an approval reaches every replica', async () => {
  const app = newApp(t.emu);
  const a = await t.boot(feishuConfig(t.nats.url, uniquePrefix(), t.emu.url, app, '    dmPolicy: pairing\n'));
  const running = [a, await t.bootFile(a.file)];
  await t.emu.waitForConnections(app.appId, 2);
  const say = (text: string, connection: number) => t.emu.pushEvent(app.appId, textEvent(t.emu, app, text), { connection });

  expect((await say('hello?', 0)).code).toBe(200);
  await eventually(() => t.emu.sent.length === 1, 'the pairing reply at Feishu');
  const sent = t.emu.sent[0]!;
  expect(sent).toMatchObject({ appId: app.appId, kind: 'create', receiveIdType: 'chat_id', receiveId: CHAT, msgType: 'text' });
  const code = CODE.exec((sent.content as { text: string }).text)![1]!;

  expect((await cli('pair', 'approve', code, '-c', a.file)).code).toBe(0);
  await eventually(
    () => running.every((r) => r.logs.messages().includes(`pairing approved: ${USER} may now message feishu/default`)),
    'both replicas saw the approval',
  );
  await say('first, to one replica', 0);
  await say('second, to the other', 1);
  const items = await a.inbox.waitFor(2);
  expect(items.map((e) => e.message.text).sort()).toEqual(['first, to one replica', 'second, to the other']);
  expect(t.emu.sent).toHaveLength(1);
}, 30_000);

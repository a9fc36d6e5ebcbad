import type { InboundEnvelope } from '../../../core/contract/schemas';
import { expectFailedAtOnce } from '../../support/receipt-checks';
import { dingtalkRig, type DingTalkRun } from './rig';

const { boot } = dingtalkRig();

const SEND = ['/v1.0/robot/oToMessages/batchSend', '/v1.0/robot/groupMessages/send'];
const sends = (r: DingTalkRun) => r.emu.requests.filter((q) => SEND.includes(q.path));

test('dingtalk outbound - plain text to a user goes by oToMessages/batchSend as sampleText; the receipt has its processQueryKey', async () => {
  const r = await boot();
  r.send({ id: 'o1', conversation: { id: r.org.tom.staffId }, text: 'hello *Tom*' });
  const receipt = await r.receipt('o1');
  expect(receipt).toMatchObject({ ok: true, attempts: 1 });
  const [sent] = r.emu.sentTo(r.org.tom.staffId);
  expect(sent).toMatchObject({ via: 'oto', to: [r.org.tom.staffId], msgKey: 'sampleText', msgParam: { content: 'hello *Tom*' } });
  expect(receipt.messageIds).toEqual([sent!.processQueryKey]);
});

test('dingtalk outbound - markdown to a group goes by groupMessages/send as sampleMarkdown titled by its first line', async () => {
  const r = await boot();
  r.send({ id: 'o2', conversation: { id: r.org.group }, text: '## Weekly numbers\n\n**42** new customers', format: 'markdown' });
  expect(await r.receipt('o2')).toMatchObject({ ok: true });
  expect(r.emu.sentTo(r.org.group)).toEqual([
    expect.objectContaining({
      via: 'group',
      msgKey: 'sampleMarkdown',
      msgParam: { title: 'Weekly numbers', text: '## Weekly numbers\n\n**42** new customers' },
    }),
  ]);
});

test('dingtalk outbound - an agent answers by replyTo: the reply goes to the conversation the message came from', async () => {
  const r = await boot();
  await r.emu.message({ robotCode: r.org.bot.robotCode, from: r.org.ann, group: r.org.group, text: 'ping', atRobot: true }).outcome;
  const [env] = (await r.inbound(1)) as InboundEnvelope[];
  r.send({ id: 'o3', replyTo: env!.message.id, text: 'pong' });
  expect(await r.receipt('o3')).toMatchObject({ ok: true });
  expect(r.emu.sentTo(r.org.group).map((s) => s.text)).toEqual(['pong']);
  r.send({ id: 'o3b', replyTo: 'msgUnknown==', text: 'lost' });
  expect(await r.receipt('o3b')).toMatchObject({ ok: false, error: { code: 'E_SCHEMA', retryable: false } });
});

test('dingtalk outbound - long text is split under the msgParam limit, in order, nothing lost', async () => {
  const r = await boot();
  const para = (i: number) => `第${i}段：${'数据'.repeat(400)}`;
  const text = Array.from({ length: 12 }, (_, i) => para(i)).join('\n\n');
  r.send({ id: 'o4', conversation: { id: r.org.tom.staffId }, text });
  const receipt = await r.receipt('o4');
  const sent = r.emu.sentTo(r.org.tom.staffId);
  expect(sent.length).toBeGreaterThan(1);
  expect(receipt.messageIds).toEqual(sent.map((s) => s.processQueryKey));
  for (const s of sent) expect(Buffer.byteLength(JSON.stringify(s.msgParam))).toBeLessThanOrEqual(15_000);
  expect(sent.map((s) => s.text).join('\n\n')).toBe(text);
});

test("dingtalk outbound - a QPS limit (403 QpsLimitForAppkeyAndApi) is retried after DingTalk's one-second window; ok receipt", async () => {
  const r = await boot();
  r.emu.failNext({ path: '/v1.0/robot/groupMessages/send', status: 403, code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi' });
  r.send({ id: 'o5', conversation: { id: r.org.group }, text: 'after the limit' });
  expect(await r.receipt('o5')).toMatchObject({ ok: true, attempts: 2 });
  const [limited, ok] = sends(r);
  expect(limited).toMatchObject({ status: 403, code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi' });
  expect(ok!.at - limited!.at).toBeGreaterThanOrEqual(950);
  expect(r.emu.sentTo(r.org.group)).toHaveLength(1);
});

test('dingtalk outbound - the emulated QPS limit itself: a burst over 3/s is held back and retried, every message delivered once', async () => {
  const r = await boot({ emulator: { qpsPerApi: 3 } });
  const ids = Array.from({ length: 6 }, (_, i) => `burst${i}`);
  // Six conversations so that they go in parallel and meet the limit.
  const people = ids.map(() => r.emu.addUser());
  ids.forEach((id, i) => r.send({ id, conversation: { id: people[i]!.staffId }, text: id }));
  for (const id of ids) expect(await r.receipt(id)).toMatchObject({ ok: true });
  expect(r.emu.sent.map((s) => s.text).sort()).toEqual([...ids].sort());
});

test('dingtalk outbound - a missing permission fails at once with its code, naming qyapi_robot_sendmsg', async () => {
  const r = await boot({ scopes: ['Card.Instance.Write', 'Card.Streaming.Write'] });
  r.send({ id: 'o6', conversation: { id: r.org.tom.staffId }, text: 'no permission' });
  expectFailedAtOnce(
    await r.receipt('o6'),
    { code: 'E_PLATFORM', platformCode: 'Forbidden.AccessDenied.AccessTokenPermissionDenied', retryable: false },
    'qyapi_robot_sendmsg',
  );
});

test('dingtalk outbound - a user DingTalk does not know (invalidStaffIdList) and a group without the robot end in failed receipts', async () => {
  const r = await boot();
  r.send({ id: 'o7', conversation: { id: 'nobody42' }, text: 'hi' });
  expect(await r.receipt('o7')).toMatchObject({ ok: false, error: { platformCode: 'invalidStaffId', retryable: false } });
  r.send({ id: 'o8', conversation: { id: 'cidNOTAGROUP==' }, text: 'hi' });
  expectFailedAtOnce(await r.receipt('o8'), { platformCode: 'invalid.openConversationId', retryable: false }, 'add the robot to the group');
});

test('dingtalk outbound - a split message that fails part-way is resumed, not sent twice', async () => {
  const r = await boot();
  const text = Array.from({ length: 3 }, (_, i) => `part ${i} ${'x'.repeat(5500)}`).join('\n\n');
  r.emu.failNext({ path: '/v1.0/robot/oToMessages/batchSend', status: 500, code: 'ServiceUnavailable', skip: 1 });
  r.send({ id: 'o9', conversation: { id: r.org.tom.staffId }, text });
  const receipt = await r.receipt('o9');
  expect(receipt).toMatchObject({ ok: true, attempts: 2 });
  const sent = r.emu.sentTo(r.org.tom.staffId);
  expect(sent.map((s) => s.text.slice(0, 6))).toEqual(['part 0', 'part 1', 'part 2']);
});

test('dingtalk outbound - an access token DingTalk stops taking is renewed once and the send goes through', async () => {
  const r = await boot();
  r.emu.tokens.clear();
  r.send({ id: 'o10', conversation: { id: r.org.tom.staffId }, text: 'with a new token' });
  expect(await r.receipt('o10')).toMatchObject({ ok: true, attempts: 1 });
  expect(r.emu.requests.filter((q) => q.path === '/v1.0/oauth2/accessToken')).toHaveLength(2);
});

test('dingtalk outbound - delete recalls the message by processQueryKey (direct and group); replyViaSessionWebhook answers through the webhook', async () => {
  const r = await boot({ extra: '    replyViaSessionWebhook: true\n' });
  r.send({ id: 'd1', conversation: { id: r.org.tom.staffId }, text: 'oops' });
  r.send({ id: 'd2', conversation: { id: r.org.group }, text: 'oops too' });
  await r.receipt('d1');
  await r.receipt('d2');
  r.send({ id: 'd1.x', delete: 'd1' });
  r.send({ id: 'd2.x', delete: 'd2' });
  expect(await r.receipt('d1.x')).toMatchObject({ ok: true });
  expect(await r.receipt('d2.x')).toMatchObject({ ok: true });
  expect(r.emu.sent.map((s) => s.recalled)).toEqual([true, true]);

  await r.emu.message({ robotCode: r.org.bot.robotCode, from: r.org.tom, text: 'ping' }).outcome;
  const env = (await r.inbound(1))[0] as InboundEnvelope;
  r.send({ id: 'w1', replyTo: env.message.id, text: 'pong by webhook', format: 'markdown' });
  expect(await r.receipt('w1')).toMatchObject({ ok: true, messageIds: [] });
  expect(r.emu.sent.at(-1)).toMatchObject({
    via: 'webhook',
    conversation: r.org.tom.staffId,
    text: 'pong by webhook',
    msgKey: 'sampleMarkdown',
  });
});

test('dingtalk outbound - edits of a plain robot message are refused as E_UNSUPPORTED, saying what DingTalk can do', async () => {
  const r = await boot({ noCards: true });
  r.send({ id: 'e1', conversation: { id: r.org.tom.staffId }, text: 'first' });
  await r.receipt('e1');
  r.send({ id: 'e1.x', edit: 'e1', text: 'second' });
  const refused = await r.receipt('e1.x');
  expect(refused).toMatchObject({ ok: false, error: { code: 'E_UNSUPPORTED' } });
  expect(refused.error!.message).toContain('AI cards');
});

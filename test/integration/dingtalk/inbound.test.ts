import { Kvm } from '@nats-io/kv';
import type { InboundEnvelope } from '../../../core/contract/schemas';
import { client, eventually, inboundBarrier } from '../../support';
import { dingtalkEntry, organisation, startEmulator } from '../../support/dingtalk';
import { loopbackConfig } from '../../support/harness';
import { uniquePrefix } from '../../support/nats-server';
import { dingtalkRig, type DingTalkRun } from './rig';

const { t, boot } = dingtalkRig();

/** An inbound barrier through Tom's direct chat with the robot, which always passes access. */
const barrier = (r: DingTalkRun) =>
  r.gw.inboundBarrier((text) => r.emu.message({ robotCode: r.org.bot.robotCode, from: r.org.tom, text }).outcome);

test('dingtalk inbound - connects in Stream mode through the configured gateway URL, logs it and reports connected', async () => {
  const r = await boot();
  expect(r.gw.logs.messages()).toContain('DingTalk channel connected via Stream mode');
  const kv = await new Kvm(t.nc).open(`${r.prefix}_status`);
  expect((await kv.get('dingtalk.default'))?.json()).toMatchObject({ state: 'connected' });
  expect(r.emu.requests.map((q) => q.path)).toEqual(expect.arrayContaining(['/v1.0/oauth2/accessToken', '/v1.0/gateway/connections/open']));
});

test('dingtalk inbound - a direct message becomes a direct envelope keyed by msgId, acknowledged after it is stored', async () => {
  const r = await boot();
  const pushed = r.emu.message({ robotCode: r.org.bot.robotCode, from: r.org.tom, text: 'hello bot' });
  const outcome = await pushed.outcome;
  expect(outcome).toMatchObject({ acked: true, attempts: 1 });
  const [env] = await r.inbound(1);
  const msgId = String(pushed.payload.msgId);
  expect(env).toMatchObject({
    id: `dingtalk:default:${msgId}`,
    kind: 'message',
    channel: 'dingtalk',
    conversation: { id: r.org.tom.staffId, type: 'direct' },
    sender: { id: r.org.tom.staffId, name: 'Tom', kind: 'user' },
    message: { id: msgId, text: 'hello bot', parts: [{ type: 'text', text: 'hello bot' }] },
    session: `dingtalk:default:${r.org.tom.staffId}`,
  });
});

test('dingtalk inbound - a frame pushed again (unacknowledged or not) gives one envelope', async () => {
  const r = await boot();
  const pushed = r.emu.message({ robotCode: r.org.bot.robotCode, from: r.org.tom, text: 'once' });
  expect((await pushed.outcome).acked).toBe(true);
  expect((await r.emu.redeliver(r.org.bot.robotCode, pushed)).acked).toBe(true);
  expect((await r.emu.redeliver(r.org.bot.robotCode, pushed)).acked).toBe(true);
  await barrier(r);
  expect(r.inbox.items.map((e) => (e as InboundEnvelope).message.text)).toEqual(['once']);
});

test('dingtalk inbound - groups: unmentioned messages are dropped under groupPolicy mention, isInAtList ones stored as mentioned', async () => {
  const r = await boot({ extra: '    groupPolicy: mention\n' });
  const quiet = r.emu.message({ robotCode: r.org.bot.robotCode, from: r.org.ann, group: r.org.group, text: 'just chatting' });
  expect((await quiet.outcome).acked).toBe(true);
  const asked = r.emu.message({ robotCode: r.org.bot.robotCode, from: r.org.ann, group: r.org.group, text: 'how many?', atRobot: true });
  expect((await asked.outcome).acked).toBe(true);
  await barrier(r);
  const [env] = r.inbox.items as InboundEnvelope[];
  expect(r.inbox.items).toHaveLength(1);
  expect(env).toMatchObject({
    conversation: { id: r.org.group, type: 'group', name: 'Sales' },
    sender: { id: r.org.ann.staffId, name: 'Ann' },
    message: { text: 'how many?', mentioned: true },
    session: `dingtalk:default:${r.org.group}:${r.org.ann.staffId}`,
  });
});

test('dingtalk inbound - allowFrom drops other senders (acknowledged, logged with their id); the robot itself is skipped', async () => {
  const r = await boot({ allowFrom: (org) => `["${org.tom.staffId}"]` });
  const denied = r.emu.message({ robotCode: r.org.bot.robotCode, from: r.org.ann, text: 'let me in' });
  expect((await denied.outcome).acked).toBe(true);
  const own = r.emu.message({
    robotCode: r.org.bot.robotCode,
    from: r.org.tom,
    group: r.org.group,
    text: 'echo of myself',
    fromRobot: true,
    atRobot: true,
  });
  expect((await own.outcome).acked).toBe(true);
  await barrier(r);
  expect(r.inbox.items.map((e) => (e as InboundEnvelope).message.text)).toEqual([]);
  expect(r.gw.logs.lines.some((l) => JSON.stringify(l).includes(r.org.ann.staffId) && /allowFrom/.test(JSON.stringify(l)))).toBe(true);
});

test('dingtalk inbound - pictures, files, voice and rich text become parts with their downloadCode', async () => {
  const r = await boot();
  const code = r.emu.addFile(r.org.bot.robotCode, Buffer.from('png'), 'image/png');
  const from = r.org.tom;
  const robotCode = r.org.bot.robotCode;
  await r.emu.message({ robotCode, from, msgtype: 'picture', content: { downloadCode: code, pictureDownloadCode: 'x' } }).outcome;
  await r.emu.message({ robotCode, from, msgtype: 'file', content: { downloadCode: 'f1', fileName: 'q3.pdf', fileId: '1', spaceId: '2' } })
    .outcome;
  await r.emu.message({ robotCode, from, msgtype: 'audio', content: { downloadCode: 'a1', duration: 3000, recognition: 'call me' } })
    .outcome;
  await r.emu.message({
    robotCode,
    from,
    msgtype: 'richText',
    content: { richText: [{ text: 'see' }, { type: 'picture', downloadCode: 'p2' }] },
  }).outcome;
  const envs = (await r.inbound(4)) as InboundEnvelope[];
  expect(envs.map((e) => e.message.parts)).toEqual([
    [{ type: 'image', ref: code }],
    [{ type: 'file', ref: 'f1', name: 'q3.pdf' }],
    [
      { type: 'audio', ref: 'a1', durationMs: 3000 },
      { type: 'text', text: 'call me' },
    ],
    [
      { type: 'text', text: 'see' },
      { type: 'image', ref: 'p2' },
    ],
  ]);
});

test('dingtalk inbound - while NATS is down the frame is not acknowledged; DingTalk pushes it again and it arrives once', async () => {
  const r = await boot();
  await t.nats.stop();
  const pushed = r.emu.message({ robotCode: r.org.bot.robotCode, from: r.org.tom, text: 'during the outage' });
  await eventually(() => r.emu.hub.pushes.filter((id) => id === pushed.messageId).length >= 2, 'pushed twice, unacknowledged', 10_000);
  await t.nats.restart();
  const nc2 = await client(t.nats.url);
  t.defer(() => nc2.close());
  const late = await t.collect<InboundEnvelope>(`${r.prefix}.in.>`, nc2);
  const outcome = await pushed.outcome;
  expect(outcome.acked).toBe(true);
  expect(outcome.attempts).toBeGreaterThan(1);
  await late.waitFor(1);
  await inboundBarrier(late, (text) => r.emu.message({ robotCode: r.org.bot.robotCode, from: r.org.tom, text }).outcome);
  expect(late.items.map((e) => e.message.text)).toEqual(['during the outage']);
}, 60_000);

test('dingtalk inbound - a dropped connection and a server disconnect are followed by a new one, reported as reconnecting', async () => {
  const r = await boot();
  r.emu.hub.dropAll(r.org.bot.clientId);
  await eventually(() => r.gw.statuses.items.some((s) => s.state === 'reconnecting'), 'reconnecting status');
  await r.emu.waitForConnections(r.org.bot.clientId, 1);
  await eventually(() => r.gw.statuses.items.at(-1)?.state === 'connected', 'connected again');
  r.emu.hub.disconnectAll(r.org.bot.clientId);
  await eventually(
    () => r.emu.requests.filter((q) => q.path === '/v1.0/gateway/connections/open').length === 3,
    'a third connections/open',
  );
  await r.emu.waitForConnections(r.org.bot.clientId, 1);
  await barrier(r);
});

test('dingtalk inbound - a wrong clientSecret fails the instance with what to fix (invalidClientIdOrSecret)', async () => {
  const emu = await startEmulator();
  t.defer(() => emu.stop());
  const org = organisation(emu);
  const entry = dingtalkEntry(emu, { bot: { ...org.bot, clientSecret: 'not-the-secret' } }, '    allowFrom: ["*"]\n');
  const gw = await t.boot(loopbackConfig(t.nats.url, uniquePrefix(), entry));
  await eventually(() => gw.statuses.items.some((s) => s.state === 'failed'), 'instance failed');
  expect(gw.statuses.items.find((s) => s.state === 'failed')!.detail).toContain(
    'DingTalk refused clientId/clientSecret (invalidClientIdOrSecret)',
  );
});

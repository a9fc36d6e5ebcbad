import { Kvm } from '@nats-io/kv';
import type { InboundEnvelope } from '../../../core/contract/schemas';
import { client, eventually, inboundBarrier } from '../../support';
import { useGatewayTest, type StatusEvent } from '../../support/fixture';
import { bootSlack } from '../../support/slack';

const t = useGatewayTest({ emulator: 'slack' });

async function boot(extra?: string) {
  const booted = await bootSlack(t, extra);
  const { gw, dm, tom } = booted;
  /** An inbound barrier through Tom's DM with the bot, which always passes access. */
  const barrier = () => gw.inboundBarrier((text) => t.emu.post({ channel: dm, user: tom.id, text }).deliveries);
  return { ...booted, prefix: gw.prefix, inbox: gw.inbox, barrier };
}

test('slack inbound - connects over Socket Mode, logs it and reports connected', async () => {
  const { app, prefix, gw } = await boot();
  expect(gw.logs.messages()).toContain('Slack channel connected via Socket Mode');
  const kv = await new Kvm(t.nc).open(`${prefix}_status`);
  expect((await kv.get('slack.default'))?.json()).toMatchObject({ state: 'connected', detail: 'Socket Mode' });
  expect(t.emu.connections(app.appId)).toBe(1);
  expect(t.emu.requests.map((r) => r.method)).toEqual(expect.arrayContaining(['auth.test', 'apps.connections.open']));
});

test('slack inbound - a DM becomes a direct envelope with the sender name, acked only after it is stored', async () => {
  const { tom, dm, inbox } = await boot();
  const sent = t.emu.post({ channel: dm, user: tom.id, text: 'how many new customers this week?' });
  const [outcome] = await sent.deliveries;
  expect(outcome).toMatchObject({ acked: true, attempts: 1 });
  const [env] = await inbox.waitFor(1);
  expect(env).toMatchObject({
    id: `slack:default:${dm}:${sent.ts}`,
    channel: 'slack',
    conversation: { id: dm, type: 'direct' },
    sender: { id: tom.id, name: 'Tom', kind: 'user' },
    message: { id: `${dm}:${sent.ts}`, text: 'how many new customers this week?', mentioned: false },
    session: `slack:default:${dm}`,
  });
  expect(Date.parse(env!.time)).toBe(Math.floor(Number(sent.ts) * 1000));
});

test('slack inbound - groupPolicy mention: a channel message without the bot mention is dropped, with it stored; DMs always pass', async () => {
  const { app, tom, channel, dm, inbox, barrier } = await boot();
  const ignored = t.emu.post({ channel, user: tom.id, text: 'lunch anyone?' });
  expect((await ignored.deliveries).every((o) => o.acked)).toBe(true);
  t.emu.post({ channel: dm, user: tom.id, text: 'in private' });
  const asked = t.emu.post({ channel, user: tom.id, text: `<@${app.botUserId}> how many?` });
  await asked.deliveries;
  await inbox.waitFor(2);
  await barrier();
  expect(inbox.items.map((e) => e.message.text).sort()).toEqual(['@Data Bot how many?', 'in private']);
  expect(inbox.items.find((e) => e.conversation.type === 'group')).toMatchObject({
    conversation: { id: channel },
    message: { mentioned: true },
    session: `slack:default:${channel}:${tom.id}`,
  });
});

test('slack inbound - mentions, links, channel references and code become parts with readable text', async () => {
  const { app, tom, ann, channel, inbox } = await boot();
  t.emu.post({
    channel,
    user: tom.id,
    text: `<@${app.botUserId}> compare with <@${ann.id}> &amp; see <https://example.com/r?a=1&amp;b=2|the report> in <#${channel}|sales> ${'```'}select 1 &lt; 2${'```'}`,
  });
  const [env] = await inbox.waitFor(1);
  expect(env!.message.parts).toEqual([
    { type: 'mention', id: app.botUserId, name: 'Data Bot', self: true },
    { type: 'text', text: ' compare with ' },
    { type: 'mention', id: ann.id, name: 'Ann', self: false },
    { type: 'text', text: ' & see ' },
    { type: 'link', url: 'https://example.com/r?a=1&b=2', text: 'the report' },
    { type: 'text', text: ' in #sales ' },
    { type: 'code', text: 'select 1 < 2' },
  ]);
  expect(env!.message.text).toBe(
    '@Data Bot compare with @Ann & see the report (https://example.com/r?a=1&b=2) in #sales \n```\nselect 1 < 2\n```\n',
  );
  expect(env!.sender.name).toBe('Tom');
});

test('slack inbound - a message and its app_mention (and a retry of either) make one envelope', async () => {
  const { app, tom, channel, inbox, barrier } = await boot();
  const sent = t.emu.post({ channel, user: tom.id, text: `<@${app.botUserId}> once` });
  expect(sent.eventIds).toHaveLength(2);
  const outcomes = await sent.deliveries;
  expect(outcomes.map((o) => o.acked)).toEqual([true, true]);
  expect(new Set(t.emu.deliveries.filter((d) => sent.eventIds.includes(d.eventId)).map((d) => d.eventType))).toEqual(
    new Set(['message', 'app_mention']),
  );
  expect((await t.emu.redeliver(sent.eventIds[1]!)).acked).toBe(true);
  await inbox.waitFor(1);
  await barrier();
  expect(inbox.items.map((e) => e.message.id)).toEqual([`${channel}:${sent.ts}`]);
});

test('slack inbound - an app_mention alone is stored as a group message that mentions the bot', async () => {
  const { app, tom, channel, inbox } = await boot();
  const outcome = await t.emu.pushEvent(app.appId, {
    type: 'app_mention',
    user: tom.id,
    text: `<@${app.botUserId}> status?`,
    ts: '1700000000.000100',
    team: 'T1',
    channel,
    event_ts: '1700000000.000100',
  });
  expect(outcome.acked).toBe(true);
  const [env] = await inbox.waitFor(1);
  expect(env).toMatchObject({
    conversation: { id: channel, type: 'group' },
    message: { id: `${channel}:1700000000.000100`, text: '@Data Bot status?', mentioned: true },
  });
});

test('slack inbound - a thread reply carries the thread and replyTo the parent; session thread keys on it', async () => {
  const ws = await boot('    allowFrom: ["*"]\n    groupPolicy: open\n    session: thread\n');
  const parent = t.emu.post({ channel: ws.channel, user: ws.tom.id, text: 'weekly numbers' });
  const reply = t.emu.post({ channel: ws.channel, user: ws.ann.id, text: 'follow-up', threadTs: parent.ts });
  const items = await ws.inbox.waitFor(2);
  const env = items.find((e) => e.message.text === 'follow-up')!;
  expect(env.conversation).toEqual({ id: ws.channel, type: 'group', thread: parent.ts });
  expect(env.message.id).toBe(`${ws.channel}:${reply.ts}`);
  expect(env.message.replyTo).toBe(`${ws.channel}:${parent.ts}`);
  expect(env.session).toBe(`slack:default:${ws.channel}:thread:${parent.ts}`);
  expect(items.find((e) => e.message.text === 'weekly numbers')!.conversation.thread).toBeUndefined();
});

test('slack inbound - files become image and file parts with their ids', async () => {
  const { tom, dm, inbox } = await boot();
  t.emu.post({
    channel: dm,
    user: tom.id,
    text: 'see attached',
    files: [
      { id: 'F0IMG1', name: 'chart.png', mimetype: 'image/png' },
      { id: 'F0DOC2', name: 'q3.pdf', mimetype: 'application/pdf' },
    ],
  });
  const [env] = await inbox.waitFor(1);
  expect(env!.message.parts).toEqual([
    { type: 'text', text: 'see attached' },
    { type: 'image', ref: 'F0IMG1', name: 'chart.png' },
    { type: 'file', ref: 'F0DOC2', name: 'q3.pdf' },
  ]);
  expect(env!.message.text).toBe('see attached[image: chart.png][file: q3.pdf]');
});

test('slack inbound - bot messages (its own included), edits, deletions and joins are acknowledged but not forwarded', async () => {
  const { app, tom, dm, channel, gw, inbox, barrier } = await boot('    allowFrom: ["*"]\n    groupPolicy: open\n');
  const first = t.emu.post({ channel, user: tom.id, text: 'original' });
  await inbox.waitFor(1);
  const outcomes = [
    await t.emu.pushEvent(app.appId, {
      type: 'message',
      subtype: 'bot_message',
      bot_id: 'B0OTHER',
      username: 'CI',
      text: 'build green',
      ts: '1700000000.000200',
      channel,
      channel_type: 'channel',
    }),
    ...(await t.emu.edit(channel, first.ts, 'edited')),
    ...(await t.emu.remove(channel, first.ts)),
    ...(await t.emu.join(channel, t.emu.addUser({ name: 'newbie' }).id)),
  ];
  expect(outcomes.every((o) => o.acked)).toBe(true);
  // The bot's own post comes back as a message event with its bot_id, like on Slack.
  gw.publish('slack.default', { id: 'own-post', conversation: { id: channel }, text: 'bot says' });
  const own = await t.emu.waitForPost((m) => m.text === 'bot says');
  await eventually(() => t.emu.deliveries.some((d) => d.eventTs === own.ts && d.outcome === 'acked'), 'echo of the bot post acked');
  t.emu.post({ channel: dm, user: tom.id, text: 'still here' });
  await inbox.waitFor(2);
  await barrier();
  expect(inbox.items.map((e) => e.message.text)).toEqual(['original', 'still here']);
});

test('slack inbound - a retried event and a redelivery after a gateway restart make one envelope', async () => {
  const { app, tom, dm, gw, inbox, barrier } = await boot();
  const sent = t.emu.post({ channel: dm, user: tom.id, text: 'once' });
  await sent.deliveries;
  const [eventId] = sent.eventIds;
  expect((await t.emu.redeliver(eventId!)).acked).toBe(true);
  await gw.restart();
  await t.emu.waitForConnections(app.appId, 1);
  const again = await t.emu.redeliver(eventId!);
  expect(again.acked).toBe(true);
  expect(t.emu.deliveries.filter((d) => d.eventId === eventId).map((d) => d.retryAttempt)).toEqual([0, 1, 2]);
  await barrier();
  expect(inbox.items.map((e) => e.message.text)).toEqual(['once']);
});

test('slack inbound - while NATS is down the envelope is not acked; Slack retries and it arrives once', async () => {
  const { tom, dm, prefix } = await boot();
  await t.nats.stop();
  const sent = t.emu.post({ channel: dm, user: tom.id, text: 'during the outage' });
  await eventually(
    () => t.emu.deliveries.some((d) => d.eventId === sent.eventIds[0] && d.outcome === 'timeout'),
    'first attempt not acked',
    10_000,
  );
  await t.nats.restart();
  const nc2 = await client(t.nats.url);
  t.defer(() => nc2.close());
  const late = await t.collect<InboundEnvelope>(`${prefix}.in.>`, nc2);
  const [outcome] = await sent.deliveries;
  expect(outcome!.acked).toBe(true);
  expect(outcome!.attempts).toBeGreaterThan(1);
  await late.waitFor(1);
  await inboundBarrier(late, (text) => t.emu.post({ channel: dm, user: tom.id, text }).deliveries);
  expect(late.items.map((e) => e.message.text)).toEqual(['during the outage']);
}, 60_000);

test('slack inbound - a dropped socket reconnects at once, reports reconnecting, and loses nothing', async () => {
  const { app, tom, dm, gw, inbox } = await boot();
  expect(t.emu.dropConnections(app.appId)).toBe(1);
  await eventually(() => gw.statuses.items.some((s) => s.state === 'reconnecting'), 'reconnecting status');
  await t.emu.waitForConnections(app.appId, 1);
  await eventually(() => gw.statuses.items.at(-1)?.state === 'connected', 'connected again');
  expect(gw.logs.messages()).toContain('Slack channel reconnected via Socket Mode');
  t.emu.post({ channel: dm, user: tom.id, text: 'after the drop' });
  await inbox.waitFor(1);
});

test('slack inbound - a refresh_requested disconnect is followed by a new connection, with the reason in the status', async () => {
  const { app, tom, dm, gw, inbox } = await boot();
  const statuses = await t.collect<StatusEvent>(`${gw.prefix}.status.slack.default`);
  expect(t.emu.disconnect(app.appId, 'refresh_requested')).toBe(1);
  await eventually(() => statuses.items.at(-1)?.state === 'connected', 'connected again');
  expect(statuses.items.find((s) => s.state === 'reconnecting')?.detail).toContain('refresh_requested');
  expect(t.emu.requests.filter((r) => r.method === 'apps.connections.open')).toHaveLength(2);
  t.emu.post({ channel: dm, user: tom.id, text: 'after the refresh' });
  await inbox.waitFor(1);
});

import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import type { InboundEnvelope } from '../../../core/contract/schemas';
import type { SlackEmulator } from '../../emulators/slack';
import { Collector, client, eventually, startGateway, type Started } from '../../support';
import { startNats, uniquePrefix, type TestNats } from '../../support/nats-server';
import { slackConfig, startEmulator, workspace } from './setup';

let nats: TestNats;
let nc: NatsConnection;
let emu: SlackEmulator;
let run: Started | undefined;
let inbox: Collector<InboundEnvelope> | undefined;

beforeAll(async () => {
  nats = await startNats();
  nc = await client(nats.url);
});
beforeEach(async () => {
  emu = await startEmulator();
});
afterEach(async () => {
  inbox?.close();
  inbox = undefined;
  await run?.gateway.stop();
  run = undefined;
  await emu.stop();
  expect(emu.protocolErrors).toEqual([]);
});
afterAll(async () => {
  await nc.close();
  await nats.close();
});

async function boot(extra = '    allowFrom: ["*"]\n') {
  const ws = workspace(emu);
  const prefix = uniquePrefix();
  run = await startGateway(slackConfig(nats.url, prefix, emu.apiUrl, ws.app, extra));
  await emu.waitForConnections(ws.app.appId, 1);
  inbox = new Collector<InboundEnvelope>(nc, `${prefix}.in.>`);
  await nc.flush();
  return { ...ws, prefix, inbox };
}

const quiet = (ms = 300) => new Promise((r) => setTimeout(r, ms));

test('slack inbound - connects over Socket Mode, logs it and reports connected', async () => {
  const { app, prefix } = await boot();
  expect(run!.logs.messages()).toContain('Slack channel connected via Socket Mode');
  const kv = await new Kvm(nc).open(`${prefix}_status`);
  expect((await kv.get('slack.default'))?.json()).toMatchObject({ state: 'connected', detail: 'Socket Mode' });
  expect(emu.connections(app.appId)).toBe(1);
  expect(emu.requests.map((r) => r.method)).toEqual(expect.arrayContaining(['auth.test', 'apps.connections.open']));
});

test('slack inbound - a DM becomes a direct envelope with the sender name, acked only after it is stored', async () => {
  const { tom, dm, inbox } = await boot();
  const sent = emu.post({ channel: dm, user: tom.id, text: 'how many new customers this week?' });
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
  const { app, tom, channel, dm, inbox } = await boot();
  const ignored = emu.post({ channel, user: tom.id, text: 'lunch anyone?' });
  expect((await ignored.deliveries).every((o) => o.acked)).toBe(true);
  emu.post({ channel: dm, user: tom.id, text: 'in private' });
  const asked = emu.post({ channel, user: tom.id, text: `<@${app.botUserId}> how many?` });
  await asked.deliveries;
  await inbox.waitFor(2);
  await quiet();
  expect(inbox.items.map((e) => e.message.text).sort()).toEqual(['@Data Bot how many?', 'in private']);
  expect(inbox.items.find((e) => e.conversation.type === 'group')).toMatchObject({
    conversation: { id: channel },
    message: { mentioned: true },
    session: `slack:default:${channel}:${tom.id}`,
  });
});

test('slack inbound - mentions, links, channel references and code become parts with readable text', async () => {
  const { app, tom, ann, channel, inbox } = await boot();
  emu.post({
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
  const { app, tom, channel, inbox } = await boot();
  const sent = emu.post({ channel, user: tom.id, text: `<@${app.botUserId}> once` });
  expect(sent.eventIds).toHaveLength(2);
  const outcomes = await sent.deliveries;
  expect(outcomes.map((o) => o.acked)).toEqual([true, true]);
  expect(new Set(emu.deliveries.filter((d) => sent.eventIds.includes(d.eventId)).map((d) => d.eventType))).toEqual(
    new Set(['message', 'app_mention']),
  );
  expect((await emu.redeliver(sent.eventIds[1]!)).acked).toBe(true);
  await inbox.waitFor(1);
  await quiet();
  expect(inbox.items.map((e) => e.message.id)).toEqual([`${channel}:${sent.ts}`]);
});

test('slack inbound - an app_mention alone is stored as a group message that mentions the bot', async () => {
  const { app, tom, channel, inbox } = await boot();
  const outcome = await emu.pushEvent(app.appId, {
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
  const ws = workspace(emu);
  const prefix = uniquePrefix();
  run = await startGateway(
    slackConfig(nats.url, prefix, emu.apiUrl, ws.app, '    allowFrom: ["*"]\n    groupPolicy: open\n    session: thread\n'),
  );
  await emu.waitForConnections(ws.app.appId, 1);
  inbox = new Collector<InboundEnvelope>(nc, `${prefix}.in.>`);
  await nc.flush();
  const parent = emu.post({ channel: ws.channel, user: ws.tom.id, text: 'weekly numbers' });
  const reply = emu.post({ channel: ws.channel, user: ws.ann.id, text: 'follow-up', threadTs: parent.ts });
  const items = await inbox.waitFor(2);
  const env = items.find((e) => e.message.text === 'follow-up')!;
  expect(env.conversation).toEqual({ id: ws.channel, type: 'group', thread: parent.ts });
  expect(env.message.id).toBe(`${ws.channel}:${reply.ts}`);
  expect(env.message.replyTo).toBe(`${ws.channel}:${parent.ts}`);
  expect(env.session).toBe(`slack:default:${ws.channel}:thread:${parent.ts}`);
  expect(items.find((e) => e.message.text === 'weekly numbers')!.conversation.thread).toBeUndefined();
});

test('slack inbound - files become image and file parts with their ids', async () => {
  const { tom, dm, inbox } = await boot();
  emu.post({
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
  const { app, tom, dm, channel, prefix, inbox } = await boot('    allowFrom: ["*"]\n    groupPolicy: open\n');
  const first = emu.post({ channel, user: tom.id, text: 'original' });
  await inbox.waitFor(1);
  const outcomes = [
    await emu.pushEvent(app.appId, {
      type: 'message',
      subtype: 'bot_message',
      bot_id: 'B0OTHER',
      username: 'CI',
      text: 'build green',
      ts: '1700000000.000200',
      channel,
      channel_type: 'channel',
    }),
    ...(await emu.edit(channel, first.ts, 'edited')),
    ...(await emu.remove(channel, first.ts)),
    ...(await emu.join(channel, emu.addUser({ name: 'newbie' }).id)),
  ];
  expect(outcomes.every((o) => o.acked)).toBe(true);
  // The bot's own post comes back as a message event with its bot_id, like on Slack.
  nc.publish(`${prefix}.out.slack.default`, JSON.stringify({ id: 'own-post', conversation: { id: channel }, text: 'bot says' }));
  const own = await emu.waitForPost((m) => m.text === 'bot says');
  await eventually(() => emu.deliveries.some((d) => d.eventTs === own.ts && d.outcome === 'acked'), 'echo of the bot post acked');
  emu.post({ channel: dm, user: tom.id, text: 'still here' });
  await inbox.waitFor(2);
  await quiet();
  expect(inbox.items.map((e) => e.message.text)).toEqual(['original', 'still here']);
});

test('slack inbound - a retried event and a redelivery after a gateway restart make one envelope', async () => {
  const { app, tom, dm, prefix, inbox } = await boot();
  const sent = emu.post({ channel: dm, user: tom.id, text: 'once' });
  await sent.deliveries;
  const [eventId] = sent.eventIds;
  expect((await emu.redeliver(eventId!)).acked).toBe(true);
  await run!.gateway.stop();
  run = await startGateway(slackConfig(nats.url, prefix, emu.apiUrl, app, '    allowFrom: ["*"]\n'));
  await emu.waitForConnections(app.appId, 1);
  const again = await emu.redeliver(eventId!);
  expect(again.acked).toBe(true);
  expect(emu.deliveries.filter((d) => d.eventId === eventId).map((d) => d.retryAttempt)).toEqual([0, 1, 2]);
  await quiet();
  expect(inbox.items.map((e) => e.message.text)).toEqual(['once']);
});

test('slack inbound - while NATS is down the envelope is not acked; Slack retries and it arrives once', async () => {
  const { tom, dm, prefix } = await boot();
  await nats.stop();
  const sent = emu.post({ channel: dm, user: tom.id, text: 'during the outage' });
  await eventually(
    () => emu.deliveries.some((d) => d.eventId === sent.eventIds[0] && d.outcome === 'timeout'),
    'first attempt not acked',
    10_000,
  );
  await nats.restart();
  const nc2 = await client(nats.url);
  const late = new Collector<InboundEnvelope>(nc2, `${prefix}.in.>`);
  await nc2.flush();
  const [outcome] = await sent.deliveries;
  expect(outcome!.acked).toBe(true);
  expect(outcome!.attempts).toBeGreaterThan(1);
  await late.waitFor(1);
  await quiet();
  expect(late.items.map((e) => e.message.text)).toEqual(['during the outage']);
  late.close();
  await nc2.close();
}, 60_000);

test('slack inbound - a dropped socket reconnects at once, reports reconnecting, and loses nothing', async () => {
  const { app, tom, dm, prefix, inbox } = await boot();
  const statuses = new Collector<{ state: string; detail?: string }>(nc, `${prefix}.status.slack.default`);
  await nc.flush();
  expect(emu.dropConnections(app.appId)).toBe(1);
  await eventually(() => statuses.items.some((s) => s.state === 'reconnecting'), 'reconnecting status');
  await emu.waitForConnections(app.appId, 1);
  await eventually(() => statuses.items.at(-1)?.state === 'connected', 'connected again');
  expect(run!.logs.messages()).toContain('Slack channel reconnected via Socket Mode');
  emu.post({ channel: dm, user: tom.id, text: 'after the drop' });
  await inbox.waitFor(1);
  statuses.close();
});

test('slack inbound - a refresh_requested disconnect is followed by a new connection, with the reason in the status', async () => {
  const { app, tom, dm, prefix, inbox } = await boot();
  const statuses = new Collector<{ state: string; detail?: string }>(nc, `${prefix}.status.slack.default`);
  await nc.flush();
  expect(emu.disconnect(app.appId, 'refresh_requested')).toBe(1);
  await eventually(() => statuses.items.at(-1)?.state === 'connected', 'connected again');
  expect(statuses.items.find((s) => s.state === 'reconnecting')?.detail).toContain('refresh_requested');
  expect(emu.requests.filter((r) => r.method === 'apps.connections.open')).toHaveLength(2);
  emu.post({ channel: dm, user: tom.id, text: 'after the refresh' });
  await inbox.waitFor(1);
  statuses.close();
});

import { Kvm } from '@nats-io/kv';
import type { InboundEnvelope } from '../../../core/contract/schemas';
import { eventually } from '../../support';
import { discordConfig, server } from '../../support/discord';
import { uniquePrefix } from '../../support/nats-server';
import { discordRig } from './rig';

const { t, boot } = discordRig();

async function run(o: Parameters<typeof boot>[0] = {}) {
  const r = await boot(o);
  const { gw, ws } = r;
  /** An inbound barrier through Tom's DM with the bot, which always passes access. */
  const barrier = () => gw.inboundBarrier((text) => t.emu.post({ channel: ws.dm, user: ws.tom.id, content: text }));
  return { ...r, barrier, inbox: r.inbox as unknown as { waitFor(n: number): Promise<InboundEnvelope[]>; items: InboundEnvelope[] } };
}

test('discord inbound - connects through GET /gateway/bot and Identify, logs it and reports connected', async () => {
  const { ws, prefix, gw } = await run();
  expect(gw.logs.messages()).toContain('Discord channel connected via the gateway');
  const kv = await new Kvm(t.nc).open(`${prefix}_status`);
  expect((await kv.get('discord.default'))?.json()).toMatchObject({ state: 'connected', detail: 'Discord gateway ready' });
  expect(t.emu.rest.requests.filter((r) => r.appId === ws.app.appId).map((r) => r.route)).toContain('GET /gateway/bot');
  expect(t.emu.gateway.connects).toEqual([{ appId: ws.app.appId, op: 'identify', ok: true }]);
});

test('discord inbound - a DM becomes a direct envelope with the sender name', async () => {
  const { ws, inbox } = await run();
  const m = t.emu.post({ channel: ws.dm, user: ws.tom.id, content: 'how many new customers this week?' });
  const [env] = await inbox.waitFor(1);
  expect(env).toMatchObject({
    id: `discord:default:${ws.dm}:${m.id}`,
    channel: 'discord',
    conversation: { id: ws.dm, type: 'direct' },
    sender: { id: ws.tom.id, name: 'Tom', kind: 'user' },
    message: { id: `${ws.dm}:${m.id}`, text: 'how many new customers this week?', mentioned: false },
    session: `discord:default:${ws.dm}`,
    time: m.timestamp,
  });
});

test('discord inbound - groupPolicy mention: a guild message without the bot mention is dropped, with it stored', async () => {
  const { ws, inbox, barrier } = await run();
  t.emu.post({ channel: ws.channel, user: ws.tom.id, content: 'lunch anyone?' });
  const asked = t.emu.post({ channel: ws.channel, user: ws.tom.id, content: `<@${ws.app.botUserId}> how many?` });
  await barrier();
  expect(inbox.items.map((e) => e.message.text)).toEqual(['@Data Bot how many?']);
  expect(inbox.items[0]).toMatchObject({
    id: `discord:default:${ws.channel}:${asked.id}`,
    conversation: { id: ws.channel, type: 'group' },
    message: {
      mentioned: true,
      parts: [
        { type: 'mention', id: ws.app.botUserId, name: 'Data Bot', self: true },
        { type: 'text', text: ' how many?' },
      ],
    },
    session: `discord:default:${ws.channel}:${ws.tom.id}`,
  });
});

test('discord inbound - mentions of people, everyone, roles, channels and custom emoji become parts with readable text', async () => {
  const { ws, inbox } = await run({ extra: '    groupPolicy: open\n' });
  t.emu.post({
    channel: ws.channel,
    user: ws.tom.id,
    content: `<@!${ws.ann.id}> see <#${ws.other}> <@&123456789012345678> <:party:112233445566778899>`,
  });
  const [env] = await inbox.waitFor(1);
  expect(env!.message.parts).toEqual([
    { type: 'mention', id: ws.ann.id, name: 'Ann', self: false },
    { type: 'text', text: ` see <#${ws.other}> <@&123456789012345678> :party:` },
  ]);
  expect(env!.message.mentioned).toBe(false);
});

test("discord inbound - the bot's own messages and other bots' messages are not published", async () => {
  const { ws, inbox, barrier, send, receipt } = await run({ extra: '    groupPolicy: open\n' });
  const other = t.emu.addUser({ name: 'other-bot', bot: true });
  t.emu.addGuild({ name: 'x', apps: [], members: [] });
  t.emu.world.guilds.get(ws.guild)!.members.add(other.id);
  t.emu.post({ channel: ws.channel, user: other.id, content: 'beep' });
  send({ id: 'own-1', conversation: { id: ws.channel }, text: 'from the bot' });
  await receipt('own-1');
  await barrier();
  expect(inbox.items).toEqual([]);
});

test('discord inbound - a message dispatched twice (a replay) is published once', async () => {
  const { ws, inbox, barrier } = await run();
  const m = t.emu.post({ channel: ws.dm, user: ws.tom.id, content: 'only once' });
  await inbox.waitFor(1);
  t.emu.replay(m.id);
  await barrier();
  expect(inbox.items.filter((e) => e.message.text === 'only once')).toHaveLength(1);
});

test('discord inbound - allowFrom drops a sender not listed and passes one listed', async () => {
  const { ws, inbox, barrier } = await run({ allowFrom: (w) => `["${w.tom.id}"]` });
  const annDm = t.emu.dm(ws.app.appId, ws.ann.id);
  t.emu.post({ channel: annDm, user: ws.ann.id, content: 'let me in' });
  await barrier();
  expect(inbox.items).toEqual([]);
});

test('discord inbound - a dropped socket resumes: what was sent meanwhile arrives once, nothing is lost', async () => {
  const { ws, inbox, gw, barrier } = await run();
  t.emu.post({ channel: ws.dm, user: ws.tom.id, content: 'before' });
  await inbox.waitFor(1);
  t.emu.dropConnections(ws.app.appId);
  t.emu.post({ channel: ws.dm, user: ws.tom.id, content: 'during 1' });
  t.emu.post({ channel: ws.dm, user: ws.tom.id, content: 'during 2' });
  await eventually(() => t.emu.gateway.connects.some((c) => c.op === 'resume' && c.ok), 'a successful RESUME');
  await barrier();
  expect(inbox.items.map((e) => e.message.text)).toEqual(['before', 'during 1', 'during 2']);
  expect(t.emu.gateway.connects.filter((c) => c.op === 'resume')).toEqual([{ appId: ws.app.appId, op: 'resume', ok: true, replayed: 2 }]);
  expect(gw.statuses.items.map((s) => s.state)).toEqual(expect.arrayContaining(['reconnecting']));
  await eventually(() => gw.statuses.items.at(-1)?.state === 'connected', 'connected again');
});

test('discord inbound - Message Content not enabled in the portal: start fails with 4014 and says what to turn on', async () => {
  const emu = t.emu;
  const ws = server(emu, { messageContent: false });
  const gw = await t.boot(discordConfig(t.nats.url, uniquePrefix(), emu.apiUrl, ws.app, '    allowFrom: ["*"]\n'));
  await eventually(() => gw.statuses.items.some((s) => s.state === 'failed'), 'status failed');
  const failed = gw.statuses.items.find((s) => s.state === 'failed')!;
  expect(failed.detail).toContain('Disallowed intent(s)');
  expect(failed.detail).toContain('Message Content Intent');
  expect(emu.gateway.connects[0]).toMatchObject({ op: 'identify', ok: false, code: 4014 });
});

test('discord inbound - messageContent: false connects without the privileged intent; unmentioned guild text does not arrive', async () => {
  const { ws, inbox, barrier } = await run({ app: { messageContent: false }, extra: '    messageContent: false\n    groupPolicy: open\n' });
  t.emu.post({ channel: ws.channel, user: ws.tom.id, content: 'private chatter' });
  t.emu.post({ channel: ws.channel, user: ws.tom.id, content: `<@${ws.app.botUserId}> hi` });
  await barrier();
  expect(inbox.items.map((e) => e.message.text)).toEqual(['@Data Bot hi']);
});

test('discord inbound - a wrong token: start fails saying which option to check', async () => {
  const emu = t.emu;
  server(emu);
  const gw = await t.boot(
    discordConfig(t.nats.url, uniquePrefix(), emu.apiUrl, { token: 'MTIzNDU2.abcdef.wrongwrongwrong' }, '    allowFrom: ["*"]\n'),
  );
  await eventually(() => gw.statuses.items.some((s) => s.state === 'failed'), 'status failed');
  expect(gw.statuses.items.find((s) => s.state === 'failed')!.detail).toContain('Discord refused the bot token');
});

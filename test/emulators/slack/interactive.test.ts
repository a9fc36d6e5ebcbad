/**
 * The emulator's interactivity, reactions and membership events driven by the REAL SDK clients:
 * block_actions and slash commands over Socket Mode (acked with the envelope id within the deadline,
 * redelivered when not, late acks recorded), reactions both ways, member and App Home events, and
 * assistant.threads.setStatus.
 */
import type { SocketModeClient } from '@slack/socket-mode';
import { SlackEmulator } from './index';
import { slackError, socketClient, until, webClient, world, type Envelope } from './sdk-clients';

let emu: SlackEmulator;
let client: SocketModeClient | undefined;

afterEach(async () => {
  await client?.disconnect();
  client = undefined;
  await emu?.stop();
  expect(emu.protocolErrors).toEqual([]);
});

async function start(opts: { ack?: boolean; assistant?: boolean } = {}) {
  emu = new SlackEmulator({ ackTimeoutMs: 300, retryDelaysMs: [50, 50] });
  await emu.start();
  const w = world(emu, { assistant: opts.assistant ?? false });
  const s = await socketClient(emu, w.app, opts.ack ?? true);
  client = s.client;
  return { ...w, web: webClient(emu, w.app.botToken), received: s.received };
}

const buttons = [
  {
    type: 'actions',
    block_id: 'cg',
    elements: [
      { type: 'button', text: { type: 'plain_text', text: 'Approve' }, action_id: 'tok-approve', value: 'tok-approve', style: 'primary' },
      { type: 'button', text: { type: 'plain_text', text: 'Reject' }, action_id: 'tok-reject', value: 'tok-reject' },
    ],
  },
];

test('slack emulator - a click is a block_actions payload in an interactive envelope, acked by its envelope id', async () => {
  const { app, tom, channel, web, received } = await start();
  const posted = await web.chat.postMessage({ channel, text: 'Deploy?', blocks: buttons });
  const click = emu.click({ channel, ts: posted.ts!, user: tom.id, label: 'Approve' });
  expect(await click.outcome).toMatchObject({ acked: true, attempts: 1 });
  const env = received.find((e) => e.type === 'interactive')!;
  expect(env.body).toMatchObject({
    type: 'block_actions',
    api_app_id: app.appId,
    user: { id: tom.id, username: 'tom' },
    container: { type: 'message', message_ts: posted.ts, channel_id: channel },
    channel: { id: channel },
    trigger_id: click.key,
    actions: [{ type: 'button', action_id: 'tok-approve', value: 'tok-approve', block_id: 'cg', text: { text: 'Approve' } }],
  });
  expect(emu.deliveries.find((d) => d.type === 'interactive')).toMatchObject({ eventType: 'block_actions', outcome: 'acked' });
  expect(() => emu.click({ channel, ts: posted.ts!, user: tom.id, label: 'Nope' })).toThrow(/no button Nope/);
});

test('slack emulator - an unacked click is sent again with a new envelope id; an ack after the deadline is recorded as late', async () => {
  const { tom, channel, web, received } = await start({ ack: false });
  const posted = await web.chat.postMessage({ channel, text: 'Deploy?', blocks: buttons });
  const click = emu.click({ channel, ts: posted.ts!, user: tom.id, label: 'Reject' });
  const outcome = await click.outcome;
  expect(outcome).toMatchObject({ acked: false, attempts: 3 });
  const clicks = received.filter((e) => e.type === 'interactive');
  expect(clicks).toHaveLength(3);
  expect(new Set(clicks.map((e) => e.envelope_id)).size).toBe(3);
  expect(new Set(clicks.map((e) => (e.body as { trigger_id: string }).trigger_id))).toEqual(new Set([click.key]));
  await clicks[0]!.ack();
  await until(() => emu.lateAcks.length > 0, 'the late ack');
  expect(emu.lateAcks).toEqual([clicks[0]!.envelope_id]);
});

test('slack emulator - a slash command arrives as slash_commands with command, text and trigger_id', async () => {
  const { app, tom, dm, received } = await start();
  const sent = emu.command({ appId: app.appId, channel: dm, user: tom.id, command: '/deploy', text: 'prod now' });
  expect(await sent.outcome).toMatchObject({ acked: true });
  const env = received.find((e) => e.type === 'slash_commands') as Envelope;
  expect(env.body).toMatchObject({ command: '/deploy', text: 'prod now', channel_id: dm, user_id: tom.id, trigger_id: sent.key });
});

test('slack emulator - reactions.add/remove by name with aliases; refusals; reaction events both ways', async () => {
  const { app, tom, channel, web, received } = await start();
  const m = emu.post({ channel, user: tom.id, text: 'ship it' });
  await m.deliveries;
  await web.reactions.add({ channel, timestamp: m.ts, name: 'thumbsup' });
  expect([...emu.message(channel, m.ts)!.reactions]).toEqual([['+1', [app.botUserId]]]);
  expect(await slackError(web.reactions.add({ channel, timestamp: m.ts, name: '+1' }))).toMatchObject({ error: 'already_reacted' });
  expect(await slackError(web.reactions.add({ channel, timestamp: m.ts, name: 'not_an_emoji' }))).toMatchObject({ error: 'invalid_name' });
  expect(await slackError(web.reactions.add({ channel, timestamp: '1700000000.000001', name: 'eyes' }))).toMatchObject({
    error: 'message_not_found',
  });
  expect(await slackError(web.reactions.remove({ channel, timestamp: m.ts, name: 'eyes' }))).toMatchObject({ error: 'no_reaction' });
  await web.reactions.remove({ channel, timestamp: m.ts, name: '+1' });
  expect(emu.message(channel, m.ts)!.reactions.size).toBe(0);
  await emu.react({ channel, ts: m.ts, user: tom.id, name: 'fire' });
  await emu.react({ channel, ts: m.ts, user: tom.id, name: 'fire', remove: true });
  const events = () => received.filter((e) => e.type === 'events_api').map((e) => (e.body as { event: Record<string, unknown> }).event);
  await until(() => events().filter((e) => String(e.type).startsWith('reaction_')).length >= 4, 'four reaction events');
  expect(events().filter((e) => String(e.type).startsWith('reaction_'))).toEqual([
    expect.objectContaining({ type: 'reaction_added', user: app.botUserId, reaction: '+1', item: { type: 'message', channel, ts: m.ts } }),
    expect.objectContaining({ type: 'reaction_removed', user: app.botUserId, reaction: '+1' }),
    expect.objectContaining({ type: 'reaction_added', user: tom.id, reaction: 'fire', item_user: tom.id }),
    expect.objectContaining({ type: 'reaction_removed', user: tom.id, reaction: 'fire' }),
  ]);
});

test('slack emulator - member_joined_channel (with inviter), member_left_channel, channel_left for the removed bot, app_home_opened', async () => {
  const { app, tom, channel, received } = await start();
  const ann = emu.addUser({ name: 'ann' });
  await emu.memberJoined(channel, ann.id, tom.id);
  await emu.memberLeft(channel, ann.id);
  const other = emu.addChannel({ name: 'ops', members: [tom.id] }).id;
  await emu.memberJoined(other, app.botUserId, tom.id);
  await emu.memberLeft(other, app.botUserId, tom.id);
  await emu.openHome(app.appId, tom.id, 'messages');
  const events = received.map((e) => (e.body as { event: Record<string, unknown> }).event);
  expect(events).toEqual([
    expect.objectContaining({ type: 'member_joined_channel', user: ann.id, channel, inviter: tom.id, channel_type: 'C' }),
    expect.objectContaining({ type: 'member_left_channel', user: ann.id, channel }),
    expect.objectContaining({ type: 'member_joined_channel', user: app.botUserId, channel: other, inviter: tom.id }),
    expect.objectContaining({ type: 'channel_left', channel: other, actor_id: tom.id }),
    expect.objectContaining({ type: 'app_home_opened', user: tom.id, channel: emu.dm(app.appId, tom.id), tab: 'messages' }),
  ]);
});

test('slack emulator - assistant.threads.setStatus works for an assistant app in its DM threads; a reply clears it', async () => {
  const { tom, channel, dm, web } = await start({ assistant: true });
  const ask = emu.post({ channel: dm, user: tom.id, text: 'numbers?' });
  await web.assistant.threads.setStatus({ channel_id: dm, thread_ts: ask.ts, status: 'is thinking...' });
  expect(emu.statusOf(dm, ask.ts)).toBe('is thinking...');
  await web.chat.postMessage({ channel: dm, thread_ts: ask.ts, text: '42' });
  expect(emu.statusOf(dm, ask.ts)).toBe('');
  expect(await slackError(web.assistant.threads.setStatus({ channel_id: channel, thread_ts: ask.ts, status: 'x' }))).toMatchObject({
    error: 'access_denied',
  });
  expect(await slackError(web.assistant.threads.setStatus({ channel_id: dm, thread_ts: '1700000000.000001', status: 'x' }))).toMatchObject({
    error: 'invalid_thread_ts',
  });
});

test('slack emulator - assistant.threads.setStatus of an app that is no assistant is refused', async () => {
  emu = new SlackEmulator();
  await emu.start();
  const { app, tom, dm } = world(emu);
  const ask = emu.post({ channel: dm, user: tom.id, text: 'numbers?' });
  const web = webClient(emu, app.botToken);
  expect(await slackError(web.assistant.threads.setStatus({ channel_id: dm, thread_ts: ask.ts, status: 'x' }))).toMatchObject({
    error: 'missing_scope',
  });
});

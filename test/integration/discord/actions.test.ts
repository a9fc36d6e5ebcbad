import type { InboundCommand } from '../../../core/contract/schemas';
import { eventually } from '../../support';
import { ASK, actionsIn } from '../../support/actions';
import { discordRig, type DiscordRun } from './rig';

const { t, boot } = discordRig();

/** The question with a third button, of Discord's secondary style. */
const ASK3 = { ...ASK, actions: [...ASK.actions, { id: 'later', label: 'Later' }] };

async function asked(r: DiscordRun, where = r.ws.dm) {
  r.send({ ...ASK3, conversation: { id: where } });
  await r.receipt('ask-1');
  return r.posts().at(-1)!;
}

test('discord actions - buttons are components carrying the token; a click is answered (type 6) after it is stored', async () => {
  const r = await boot();
  const card = await asked(r);
  const buttons = card.message.components.flatMap((row) => row.components);
  expect(buttons.map((b) => [b.label, b.style])).toEqual([
    ['Approve', 1],
    ['Reject', 4],
    ['Later', 2],
  ]);
  expect(buttons.every((b) => /^[A-Za-z0-9_-]{1,24}$/.test(b.custom_id))).toBe(true);
  expect(JSON.stringify(card.message.components)).not.toContain('deploy:42');

  const outcome = await t.emu.click({ message: card.message.id, user: r.ws.tom.id, label: 'Approve' });
  expect(outcome).toEqual({ acked: true, type: 6 });
  await eventually(() => actionsIn(r.inbox).length === 1, 'the action envelope');
  expect(actionsIn(r.inbox)[0]).toMatchObject({
    conversation: { id: r.ws.dm, type: 'direct' },
    sender: { id: r.ws.tom.id, name: 'Tom', kind: 'user' },
    action: { id: 'approve', value: 'deploy:42', messageId: `${r.ws.dm}:${card.message.id}`, envelope: 'ask-1' },
  });

  r.send({ id: 'ask-1.answer', edit: 'ask-1', text: 'Deploying 42' });
  await r.receipt('ask-1.answer');
  expect(t.emu.message(card.message.id)!.message).toMatchObject({ content: 'Deploying 42', components: [] });
});

test('discord actions - refused clicks: a sender outside allowFrom, a forged custom_id; answered, never published', async () => {
  const r = await boot({ allowFrom: (w) => `["${w.tom.id}"]` });
  const card = await asked(r, r.ws.channel);
  expect(await t.emu.click({ message: card.message.id, user: r.ws.ann.id, label: 'Approve' })).toMatchObject({ acked: true });
  card.message.components[0]!.components[0]!.custom_id = 'forgedtoken0000000000000';
  expect(await t.emu.click({ message: card.message.id, user: r.ws.tom.id, label: 'Approve' })).toMatchObject({ acked: true });
  expect(await t.emu.click({ message: card.message.id, user: r.ws.tom.id, label: 'Reject' })).toMatchObject({ acked: true });
  await eventually(() => actionsIn(r.inbox).length === 1, 'the one allowed click');
  await r.gw.inboundBarrier((text) => t.emu.post({ channel: r.ws.dm, user: r.ws.tom.id, content: text }));
  expect(actionsIn(r.inbox).map((a) => a.action.id)).toEqual(['reject']);
});

const COMMANDS = '    commands:\n      - { name: deploy, description: Deploy a build, args: what to deploy }\n';

test('discord commands - configured slash commands are registered at start', async () => {
  const r = await boot({ extra: COMMANDS });
  expect(t.emu.world.commands.get(r.ws.app.appId)).toEqual([
    expect.objectContaining({
      name: 'deploy',
      description: 'Deploy a build',
      type: 1,
      options: [{ type: 3, name: 'text', description: 'what to deploy', required: false }],
    }),
  ]);
  expect(r.gw.logs.messages()).toContain('Discord slash commands registered');
});

test('discord commands - a slash command becomes a command envelope; "thinking…" until the agent answers into it', async () => {
  const r = await boot({ extra: COMMANDS });
  const outcome = await t.emu.command({
    appId: r.ws.app.appId,
    channel: r.ws.channel,
    user: r.ws.tom.id,
    name: 'deploy',
    options: { text: 'prod' },
  });
  expect(outcome).toEqual({ acked: true, type: 5 });
  await eventually(() => r.inbox.items.some((e) => e.kind === 'command'), 'the command envelope');
  const cmd = r.inbox.items.find((e): e is InboundCommand => e.kind === 'command')!;
  expect(cmd).toMatchObject({
    conversation: { id: r.ws.channel, type: 'group' },
    sender: { id: r.ws.tom.id, name: 'Tom' },
    command: { name: 'deploy', args: 'prod' },
  });
  const thinking = r.posts().at(-1)!;
  expect(thinking.message.flags).toBe(128);
  r.send({ id: 'cmd-answer', conversation: { id: r.ws.channel }, text: 'deploying prod' });
  const receipt = await r.receipt('cmd-answer');
  expect(receipt.error).toBeUndefined();
  expect(receipt.messageIds).toEqual([`${r.ws.channel}:${thinking.message.id}`]);
  expect(t.emu.message(thinking.message.id)!.message).toMatchObject({ content: 'deploying prod', flags: 0 });
  expect(r.posts()).toHaveLength(1);
});

test('discord commands - a command from a sender outside allowFrom gets an ephemeral refusal and is not published', async () => {
  const r = await boot({ allowFrom: (w) => `["${w.tom.id}"]`, extra: COMMANDS });
  const outcome = await t.emu.command({ appId: r.ws.app.appId, channel: r.ws.channel, user: r.ws.ann.id, name: 'deploy' });
  expect(outcome).toEqual({ acked: true, type: 4 });
  const refusal = r.posts().at(-1)!;
  expect(refusal.message.content).toContain('This command is not available here');
  await r.gw.inboundBarrier((text) => t.emu.post({ channel: r.ws.dm, user: r.ws.tom.id, content: text }));
  expect(r.inbox.items.filter((e) => e.kind === 'command')).toEqual([]);
});

test('discord commands - an answer after Discord dropped the interaction (15 minutes) is posted as a new message', async () => {
  const r = await boot({ extra: COMMANDS });
  await t.emu.command({ appId: r.ws.app.appId, channel: r.ws.channel, user: r.ws.tom.id, name: 'deploy' });
  await eventually(() => r.inbox.items.some((e) => e.kind === 'command'), 'the command envelope');
  for (const i of t.emu.world.interactions.values()) i.createdAt -= 16 * 60_000;
  r.send({ id: 'late-answer', conversation: { id: r.ws.channel }, text: 'sorry for the wait' });
  const receipt = await r.receipt('late-answer');
  expect(receipt).toMatchObject({ ok: true, attempts: 1 });
  expect(r.posts().map((p) => p.message.content)).toEqual(['', 'sorry for the wait']);
  expect(t.emu.rest.requests.filter((q) => q.route === 'PATCH /webhooks/:id/:token/messages/@original')).toHaveLength(1);
});

import type { InboundMember, InboundReaction, InboundRecall } from '../../../core/contract/schemas';
import { discordRig, type DiscordRun } from './rig';

const { t, boot } = discordRig();
const EVENTS = '    events: [message, action, command, reaction, member, recall]\n';

/** Everything dispatched before it has been handled once its envelope is in (the channel handles dispatches in order). */
const barrier = (r: DiscordRun) => r.gw.inboundBarrier((text) => t.emu.post({ channel: r.ws.dm, user: r.ws.tom.id, content: text }));
const kind = <T>(r: DiscordRun, k: string) => r.inbox.items.filter((e) => e.kind === k) as T[];

test("discord events - reactions added and removed by people arrive with neutral names; the bot's own do not", async () => {
  const r = await boot({ extra: EVENTS });
  const m = t.emu.post({ channel: r.ws.channel, user: r.ws.tom.id, content: `<@${r.ws.app.botUserId}> ship it?` });
  t.emu.react({ message: m.id, user: r.ws.ann.id, emoji: '👍' });
  t.emu.react({ message: m.id, user: r.ws.ann.id, emoji: '👍', remove: true });
  t.emu.react({ message: m.id, user: r.ws.tom.id, emoji: '🦄' });
  r.send({ id: 'bot-react', react: { messageId: `${r.ws.channel}:${m.id}`, emoji: 'eyes' } });
  await r.receipt('bot-react');
  await barrier(r);
  const reactions = kind<InboundReaction>(r, 'reaction');
  expect(reactions.map((x) => [x.sender.id, x.reaction.emoji, x.reaction.added])).toEqual([
    [r.ws.ann.id, 'thumbsup', true],
    [r.ws.ann.id, 'thumbsup', false],
    [r.ws.tom.id, '🦄', true],
  ]);
  expect(reactions[0]).toMatchObject({
    conversation: { id: r.ws.channel, type: 'group' },
    reaction: { messageId: `${r.ws.channel}:${m.id}` },
    sender: { name: 'Ann' },
  });
  expect(new Set(reactions.map((x) => x.id)).size).toBe(3);
});

test('discord events - reactions are opt-in: without events: [reaction] none is published', async () => {
  const r = await boot();
  const m = t.emu.post({ channel: r.ws.dm, user: r.ws.tom.id, content: 'hi' });
  t.emu.react({ message: m.id, user: r.ws.tom.id, emoji: '👍' });
  await barrier(r);
  expect(r.inbox.items.map((e) => e.kind)).toEqual(['message']);
});

test('discord events - a person deleting a message the channel saw is a recall; one it never saw is skipped', async () => {
  const r = await boot({ extra: EVENTS });
  const m = t.emu.post({ channel: r.ws.dm, user: r.ws.tom.id, content: 'oops' });
  // Stored at Discord, never dispatched to this gateway (from before it started).
  const before = t.emu.world.addMessage({
    channel_id: r.ws.dm,
    author: t.emu.world.user(r.ws.tom.id),
    content: 'from before',
    mention_everyone: false,
    mentions: [],
    attachments: [],
    components: [],
    type: 0,
  });
  await barrier(r);
  t.emu.remove(before.message.id);
  t.emu.remove(m.id);
  await barrier(r);
  expect(kind<InboundRecall>(r, 'recall')).toEqual([
    expect.objectContaining({
      conversation: { id: r.ws.dm, type: 'direct' },
      sender: expect.objectContaining({ id: r.ws.tom.id }),
      recall: { messageId: `${r.ws.dm}:${m.id}` },
    }),
  ]);
});

test('discord events - the bot added to and removed from a server; people joining and leaving (Server Members intent)', async () => {
  const r = await boot({ extra: `${EVENTS}    serverMembers: true\n`, app: { serverMembers: true } });
  const owner = t.emu.addUser({ name: 'owner' });
  const g = t.emu.addGuild({ name: 'New', apps: [], members: [owner.id], channels: ['welcome'] });
  t.emu.invite(g.id, r.ws.app.appId);
  const joiner = t.emu.addUser({ name: 'zoe', displayName: 'Zoe' });
  t.emu.join(r.ws.guild, joiner.id);
  t.emu.leave(r.ws.guild, joiner.id);
  t.emu.kick(g.id, r.ws.app.appId);
  await barrier(r);
  const members = kind<InboundMember>(r, 'member');
  expect(members.map((m) => [m.member.change, m.conversation.id, m.sender.id])).toEqual([
    ['bot_added', g.channels[0], owner.id],
    ['joined', r.ws.channel, joiner.id],
    ['left', r.ws.channel, joiner.id],
    ['bot_removed', g.channels[0], owner.id],
  ]);
  expect(members[1]!.sender.name).toBe('Zoe');
});

import type { ActionDraft, CommandDraft, Draft, MemberDraft } from '../../core/plugin';
import type { Dispatch } from './connection';
import { messageIdOf } from './ids';
import { displayName, type ApiUser } from './inbound';
import { neutralEmoji } from './reactions';

/** An INTERACTION_CREATE payload, in the fields the channel reads. */
export interface ApiInteraction {
  id: string;
  token: string;
  application_id?: string;
  type: number;
  channel_id?: string;
  guild_id?: string;
  member?: { user?: ApiUser; nick?: string | null };
  user?: ApiUser;
  message?: { id: string };
  data?: { custom_id?: string; component_type?: number; name?: string; options?: CommandOption[] };
}

interface CommandOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  options?: CommandOption[];
}

/** Interaction types: 2 APPLICATION_COMMAND (a slash command), 3 MESSAGE_COMPONENT (a button). */
export const InteractionType = { Command: 2, Component: 3 } as const;
/** Subcommand (1) and subcommand group (2) options: words of the command, not values. */
const SUB = new Set([1, 2]);

function who(i: ApiInteraction): { id: string; name?: string } | undefined {
  const u = i.member?.user ?? i.user;
  return u ? { id: u.id, name: displayName(u, i.member?.nick) } : undefined;
}

/** A slash command's options as `args`: subcommands as words, one value alone as it is, several as `name:value`. */
export function argsOf(options: CommandOption[] = []): string {
  const words: string[] = [];
  const values = (opts: CommandOption[]): CommandOption[] =>
    opts.flatMap((o) => (SUB.has(o.type) ? (words.push(o.name), values(o.options ?? [])) : [o]));
  const vals = values(options);
  const rendered = vals.length === 1 ? [String(vals[0]!.value ?? '')] : vals.map((o) => `${o.name}:${String(o.value ?? '')}`);
  return [...words, ...rendered].join(' ').trim();
}

/**
 * A button click (a component interaction) as an action draft: `custom_id` is the token core put on
 * the button; the message is `<channel>:<message>` of the message it is on; the key is the interaction
 * id. A slash command as a command draft (name, `args`). Other interactions give a reason instead.
 */
export function interactionDraft(i: ApiInteraction): ActionDraft | CommandDraft | string {
  const sender = who(i);
  const channel = i.channel_id;
  if (!sender || !channel) return 'an interaction without user or channel';
  const conversation = { id: channel, type: i.guild_id ? 'group' : 'direct' } as const;
  if (i.type === InteractionType.Component) {
    if (i.data?.component_type !== 2 || !i.data.custom_id || !i.message?.id) return 'a component other than a button on a message';
    return {
      kind: 'action',
      eventKey: i.id,
      token: i.data.custom_id,
      messageId: messageIdOf(channel, i.message.id),
      conversation,
      sender: { ...sender, kind: 'user' },
    };
  }
  if (i.type === InteractionType.Command) {
    if (!i.data?.name) return 'a command without a name';
    return {
      kind: 'command',
      eventKey: i.id,
      name: i.data.name,
      args: argsOf(i.data.options),
      conversation,
      sender: { ...sender, kind: 'user' },
    };
  }
  return `interaction type ${i.type}`;
}

/** What the channel remembers of a guild from its GUILD_CREATE: where to address it, and its owner. */
export interface GuildNote {
  channel?: string;
  owner?: string;
}

/** Where a guild's events are addressed: its system channel, else its first text channel. */
export function noteOf(g: {
  system_channel_id?: string | null;
  owner_id?: string;
  channels?: Array<{ id: string; type: number }>;
}): GuildNote {
  const channel = g.system_channel_id ?? g.channels?.find((c) => c.type === 0)?.id;
  return { ...(channel ? { channel } : {}), ...(g.owner_id ? { owner: g.owner_id } : {}) };
}

/**
 * A reaction, deletion or membership dispatch as an event draft, or why it is none. The event key is
 * `<session>.<sequence>` of the dispatch: a RESUME replays a dispatch with its sequence, so a replay
 * is recognised. Deleted messages name their author only when the channel saw the message (`authors`).
 */
export function eventDraft(
  x: Dispatch,
  ctx: { botUserId: string; authorOf(messageId: string): string | undefined; guild(id: string): GuildNote | undefined },
): Draft | string {
  const d = x.d as Record<string, unknown> & { user_id?: string; channel_id?: string; guild_id?: string };
  const key = `${x.session}.${x.s}`;
  const conversationOf = (channel: string) => ({ id: channel, type: d.guild_id ? 'group' : 'direct' }) as const;
  switch (x.t) {
    case 'MESSAGE_REACTION_ADD':
    case 'MESSAGE_REACTION_REMOVE': {
      const user = d.user_id;
      if (!user || !d.channel_id || typeof d.message_id !== 'string') return 'a reaction without user or message';
      if (user === ctx.botUserId) return "the bot's own reaction";
      const member = d.member as { user?: ApiUser; nick?: string | null } | undefined;
      return {
        kind: 'reaction',
        eventKey: key,
        emoji: neutralEmoji(d.emoji as { id?: string; name?: string }),
        messageId: messageIdOf(d.channel_id, d.message_id),
        added: x.t === 'MESSAGE_REACTION_ADD',
        conversation: conversationOf(d.channel_id),
        sender: { id: user, kind: 'user', ...(member?.user ? { name: displayName(member.user, member.nick) } : {}) },
      };
    }
    case 'MESSAGE_DELETE': {
      if (!d.channel_id || typeof d.id !== 'string') return 'a deletion without channel or message';
      const messageId = messageIdOf(d.channel_id, d.id);
      const author = ctx.authorOf(messageId);
      if (!author) return 'a deletion of a message not seen since start (Discord does not say whose it was)';
      if (author === ctx.botUserId) return "the bot's own message was deleted";
      return { kind: 'recall', eventKey: key, messageId, conversation: conversationOf(d.channel_id), sender: { id: author, kind: 'user' } };
    }
    case 'GUILD_MEMBER_ADD':
    case 'GUILD_MEMBER_REMOVE': {
      const user = d.user as ApiUser | undefined;
      const guild = d.guild_id ? ctx.guild(d.guild_id) : undefined;
      if (!user || !guild?.channel) return 'a member event in a guild without a text channel the bot knows';
      if (user.id === ctx.botUserId) return 'the bot itself (GUILD_CREATE / GUILD_DELETE say it)';
      return member(key, x.t === 'GUILD_MEMBER_ADD' ? 'joined' : 'left', guild.channel, { id: user.id, name: displayName(user) }, [
        user.id,
      ]);
    }
  }
  return `event ${x.t}`;
}

/** The bot added to a guild (a GUILD_CREATE after READY) or removed (GUILD_DELETE), addressed to its channel, from its owner. */
export function botMemberDraft(
  change: 'bot_added' | 'bot_removed',
  key: string,
  guild: GuildNote,
  botUserId: string,
): MemberDraft | string {
  if (!guild.channel || !guild.owner) return 'a guild without a text channel or owner';
  return member(key, change, guild.channel, { id: guild.owner }, [botUserId]);
}

function member(
  key: string,
  change: MemberDraft['change'],
  channel: string,
  sender: { id: string; name?: string },
  users: string[],
): MemberDraft {
  return {
    kind: 'member',
    eventKey: key,
    change,
    users,
    conversation: { id: channel, type: 'group' },
    sender: { ...sender, kind: 'user' },
  };
}

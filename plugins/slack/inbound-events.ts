import type { Draft, InboundEnvelope } from '../../core/plugin';
import type { SlackEvent } from './connection';
import { messageIdOf } from './inbound';
import { neutralEmoji } from './reactions';

/** What the channel knows when it reads an event: the bot's user id, and names of people. */
export interface EventContext {
  botUserId: string;
  name: (user: string) => Promise<string | undefined>;
}

type Conversation = InboundEnvelope['conversation'];
const conversationOf = (channel: string, channelType?: string): Conversation => ({
  id: channel,
  type: channelType === 'im' || (!channelType && channel.startsWith('D')) ? 'direct' : 'group',
});

async function sender(ctx: EventContext, user: string, bot = false): Promise<Draft['sender']> {
  if (bot || user === ctx.botUserId) return { id: user, kind: 'bot' };
  const name = await ctx.name(user);
  return { id: user, kind: 'user', ...(name && name !== user ? { name } : {}) };
}

const timeOf = (ts: unknown) => (typeof ts === 'string' && Number(ts) > 0 ? new Date(Number(ts) * 1000) : new Date());

/**
 * An Events API event other than a new message, as an event draft, or why it is none: reactions on
 * messages (`reaction_added` / `reaction_removed`), members joining and leaving (`member_joined_channel`,
 * `member_left_channel`, and `channel_left` / `group_left` when the bot is removed), a person opening
 * the bot's Messages tab (`app_home_opened`, `im_open`), and a deleted message (`message_deleted`). The
 * event key is Slack's `event_id`, the same on every retry.
 */
export async function eventDraft(e: SlackEvent, eventId: string, ctx: EventContext): Promise<Draft | string> {
  const str = (k: string) => (typeof e[k] === 'string' ? (e[k] as string) : undefined);
  const user = str('user');
  const channel = str('channel');
  switch (e.type) {
    case 'reaction_added':
    case 'reaction_removed': {
      const item = e.item as { type?: string; channel?: string; ts?: string } | undefined;
      if (item?.type !== 'message' || !item.channel || !item.ts || !user) return 'a reaction on something other than a message';
      return {
        kind: 'reaction',
        eventKey: eventId,
        emoji: neutralEmoji(str('reaction') ?? ''),
        messageId: messageIdOf(item.channel, item.ts),
        added: e.type === 'reaction_added',
        conversation: conversationOf(item.channel),
        sender: await sender(ctx, user),
        time: timeOf(e.event_ts),
      };
    }
    case 'member_joined_channel':
    case 'member_left_channel': {
      if (!user || !channel) return 'a member event without user or channel';
      const joined = e.type === 'member_joined_channel';
      const self = user === ctx.botUserId;
      // The bot's removal comes as channel_left, which says who removed it.
      if (self && !joined) return 'the bot left: published from channel_left';
      const inviter = str('inviter');
      if (self && !inviter) return 'the bot joined by itself (no inviter): nobody to answer';
      return {
        kind: 'member',
        eventKey: eventId,
        change: self ? 'bot_added' : joined ? 'joined' : 'left',
        users: [user],
        conversation: conversationOf(channel),
        sender: await sender(ctx, self ? inviter! : user),
        time: timeOf(e.event_ts),
      };
    }
    case 'channel_left':
    case 'group_left': {
      const actor = str('actor_id');
      if (!channel || !actor) return 'the bot left by itself (no actor): nobody to answer';
      return {
        kind: 'member',
        eventKey: eventId,
        change: 'bot_removed',
        users: [ctx.botUserId],
        conversation: { id: channel, type: 'group' },
        sender: await sender(ctx, actor),
        time: timeOf(e.event_ts),
      };
    }
    case 'app_home_opened':
    case 'im_open': {
      if (e.type === 'app_home_opened' && str('tab') !== 'messages') return 'the Home tab (not the direct chat) was opened';
      if (!user || !channel) return 'an open event without user or channel';
      return {
        kind: 'member',
        eventKey: eventId,
        change: 'opened',
        users: [user],
        conversation: { id: channel, type: 'direct' },
        sender: await sender(ctx, user),
        time: timeOf(e.event_ts),
      };
    }
    case 'message': {
      if (e.subtype !== 'message_deleted') return `message subtype ${String(e.subtype)}`;
      const previous = e.previous_message as { user?: string; bot_id?: string } | undefined;
      const deleted = str('deleted_ts');
      if (!channel || !deleted || !previous?.user) return 'a deletion without channel, ts or author';
      return {
        kind: 'recall',
        eventKey: eventId,
        messageId: messageIdOf(channel, deleted),
        conversation: conversationOf(channel, str('channel_type')),
        sender: await sender(ctx, previous.user, !!previous.bot_id),
        time: timeOf(e.event_ts),
      };
    }
  }
  return `event type ${String(e.type)}`;
}

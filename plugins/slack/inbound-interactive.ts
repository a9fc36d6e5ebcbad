import type { ActionDraft, CommandDraft } from '../../core/plugin';
import type { EventContext } from './inbound-events';
import { messageIdOf } from './inbound';

/** A `block_actions` payload, in the fields the channel reads. */
interface BlockActions {
  type?: string;
  trigger_id?: string;
  user?: { id?: string; name?: string; username?: string };
  container?: { type?: string; message_ts?: string; channel_id?: string; thread_ts?: string };
  channel?: { id?: string };
  actions?: Array<{ type?: string; action_id?: string; value?: string; action_ts?: string }>;
}

/** A slash command payload. */
interface SlashCommand {
  trigger_id?: string;
  command?: string;
  text?: string;
  channel_id?: string;
  user_id?: string;
  user_name?: string;
}

const typeOf = (channel: string) => (channel.startsWith('D') ? 'direct' : 'group');

/**
 * The clicks of a `block_actions` payload as action drafts. The button's `value` (or `action_id`) is
 * the token core put on it, given back for core to map and check; the message is `<channel>:<ts>` of the
 * message the button is on. The event key is the interaction's `trigger_id`, the same in every
 * redelivery of the payload. Interactions other than button clicks on messages give none.
 */
export async function actionDrafts(payload: BlockActions, ctx: EventContext): Promise<ActionDraft[] | string> {
  if (payload.type !== 'block_actions') return `interaction ${String(payload.type)}`;
  const c = payload.container;
  const channel = c?.channel_id ?? payload.channel?.id;
  const user = payload.user?.id;
  if (c?.type !== 'message' || !c.message_ts || !channel || !user || !payload.trigger_id) return 'a click outside a message';
  const buttons = (payload.actions ?? []).filter((a) => a.type === 'button' && (a.value || a.action_id));
  if (!buttons.length) return 'no button in the interaction';
  const name = (await ctx.name(user)) ?? payload.user?.name ?? payload.user?.username;
  return buttons.map((a, i) => ({
    kind: 'action',
    eventKey: buttons.length > 1 ? `${payload.trigger_id}.${i}` : payload.trigger_id!,
    token: (a.value ?? a.action_id)!,
    messageId: messageIdOf(channel, c.message_ts!),
    conversation: { id: channel, type: typeOf(channel), ...(c.thread_ts ? { thread: c.thread_ts } : {}) },
    sender: { id: user, kind: 'user', ...(name && name !== user ? { name } : {}) },
    ...(a.action_ts ? { time: new Date(Number(a.action_ts) * 1000) } : {}),
  }));
}

/** A slash command (`/deploy prod`) as a command draft: name `deploy`, args `prod`; the key is its `trigger_id`. */
export async function commandDraft(payload: SlashCommand, ctx: EventContext): Promise<CommandDraft | string> {
  const { command, channel_id: channel, user_id: user, trigger_id: key } = payload;
  if (!command || !channel || !user || !key) return 'a slash command without command, channel, user or trigger_id';
  const name = (await ctx.name(user)) ?? payload.user_name;
  return {
    kind: 'command',
    eventKey: key,
    name: command.replace(/^\//, ''),
    args: (payload.text ?? '').trim(),
    conversation: { id: channel, type: typeOf(channel) },
    sender: { id: user, kind: 'user', ...(name && name !== user ? { name } : {}) },
  };
}

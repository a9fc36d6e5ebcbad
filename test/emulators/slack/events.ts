/**
 * Events API payloads as Slack sends them over Socket Mode: the `event_callback` wrapper with its
 * authorizations, and `message` / `app_mention` events in the shape Slack gives them (client_msg_id,
 * rich_text blocks, channel_type, thread fields, file_share files).
 */
import { randomUUID } from 'node:crypto';
import { fileObject } from './methods-files';
import type { App, Conversation, StoredMessage, Workspace } from './workspace';
import { slackId } from './workspace';

export type SlackEvent = Record<string, unknown> & { type: string };

export interface EventCallback {
  token: string;
  team_id: string;
  context_team_id: string;
  context_enterprise_id: null;
  api_app_id: string;
  event: SlackEvent;
  type: 'event_callback';
  event_id: string;
  event_time: number;
  authorizations: Array<Record<string, unknown>>;
  is_ext_shared_channel: boolean;
  event_context: string;
}

export function eventCallback(ws: Workspace, app: App, event: SlackEvent): EventCallback {
  return {
    token: app.verificationToken,
    team_id: ws.teamId,
    context_team_id: ws.teamId,
    context_enterprise_id: null,
    api_app_id: app.appId,
    event,
    type: 'event_callback',
    event_id: slackId('Ev', 10),
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: ws.teamId, user_id: app.botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(JSON.stringify({ et: event.type, tid: ws.teamId, aid: app.appId })).toString('base64url')}`,
  };
}

export const CHANNEL_TYPES: Record<Conversation['kind'], string> = { public: 'channel', private: 'group', im: 'im', mpim: 'mpim' };

function richText(text: string): unknown[] {
  return [{ type: 'rich_text', block_id: slackId('', 5), elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }] }];
}

function files(ws: Workspace, m: StoredMessage): Record<string, unknown> {
  if (!m.files?.length) return {};
  const list = m.files.map((id) => ws.files.get(id)).filter((f) => f !== undefined);
  return { files: list.map((f) => fileObject(ws, f)), upload: !!m.botId };
}

function thread(ws: Workspace, m: StoredMessage): Record<string, unknown> {
  if (!m.threadTs) return {};
  return { thread_ts: m.threadTs, parent_user_id: ws.message(m.channel, m.threadTs)?.user ?? '' };
}

/** The `message` event of a stored message, as delivered to an app subscribed to it. */
export function messageEvent(ws: Workspace, m: StoredMessage): SlackEvent {
  const conv = ws.conversations.get(m.channel)!;
  const base: SlackEvent = { type: 'message' };
  if (m.subtype) base.subtype = m.subtype;
  if (m.botId) {
    const bot = ws.users.get(m.user);
    Object.assign(base, {
      text: m.text,
      user: m.user,
      bot_id: m.botId,
      app_id: m.appId,
      ...(m.blocks ? { blocks: m.blocks } : {}),
      bot_profile: { id: m.botId, app_id: m.appId, name: bot?.realName ?? '', deleted: false, team_id: ws.teamId },
    });
  } else {
    Object.assign(base, { client_msg_id: randomUUID(), text: m.text, user: m.user, blocks: richText(m.text) });
  }
  return {
    ...base,
    ts: m.ts,
    team: ws.teamId,
    ...files(ws, m),
    ...thread(ws, m),
    channel: m.channel,
    event_ts: m.ts,
    channel_type: CHANNEL_TYPES[conv.kind],
  };
}

/** The `app_mention` event of a stored message (no channel_type: Slack sends none). */
export function appMentionEvent(ws: Workspace, m: StoredMessage): SlackEvent {
  return {
    type: 'app_mention',
    user: m.user,
    text: m.text,
    ts: m.ts,
    team: ws.teamId,
    client_msg_id: randomUUID(),
    blocks: richText(m.text),
    ...files(ws, m),
    ...thread(ws, m),
    channel: m.channel,
    event_ts: m.ts,
  };
}

/** A hidden `message` event about `m` (an edit or a deletion), stamped now; `fields(now)` says what changed. */
function hiddenEvent(ws: Workspace, m: StoredMessage, subtype: string, fields: (now: string) => Record<string, unknown>): SlackEvent {
  const now = ws.nextTs();
  return {
    type: 'message',
    subtype,
    hidden: true,
    ...fields(now),
    channel: m.channel,
    ts: now,
    event_ts: now,
    channel_type: CHANNEL_TYPES[ws.conversations.get(m.channel)!.kind],
  };
}

/** `message_changed`: an edit, hidden, with the new and previous versions nested. */
export function editEvent(ws: Workspace, m: StoredMessage, previousText: string): SlackEvent {
  return hiddenEvent(ws, m, 'message_changed', (now) => ({
    message: { type: 'message', user: m.user, text: m.text, edited: { user: m.user, ts: now }, ts: m.ts, ...thread(ws, m) },
    previous_message: { type: 'message', user: m.user, text: previousText, ts: m.ts },
  }));
}

/** `message_deleted`, hidden. */
export function deleteEvent(ws: Workspace, m: StoredMessage): SlackEvent {
  return hiddenEvent(ws, m, 'message_deleted', () => ({
    deleted_ts: m.ts,
    previous_message: { type: 'message', user: m.user, text: m.text, ts: m.ts },
  }));
}

/** `reaction_added` / `reaction_removed` of a user (or a bot) on a message. */
export function reactionEvent(ws: Workspace, m: StoredMessage, user: string, reaction: string, added: boolean): SlackEvent {
  return {
    type: added ? 'reaction_added' : 'reaction_removed',
    user,
    reaction,
    item_user: m.user,
    item: { type: 'message', channel: m.channel, ts: m.ts },
    event_ts: ws.nextTs(),
  };
}

/** `member_joined_channel` / `member_left_channel` (with `inviter` when someone added the member). */
export function memberEvent(ws: Workspace, conv: Conversation, user: string, joined: boolean, inviter?: string): SlackEvent {
  return {
    type: joined ? 'member_joined_channel' : 'member_left_channel',
    user,
    channel: conv.id,
    channel_type: conv.kind === 'public' ? 'C' : 'G',
    team: ws.teamId,
    ...(joined && inviter ? { inviter } : {}),
    event_ts: ws.nextTs(),
  };
}

/** `app_home_opened`: a user opened the app's Home or Messages tab (its DM with the bot). */
export function appHomeOpenedEvent(ws: Workspace, user: string, dm: string, tab: 'home' | 'messages'): SlackEvent {
  return { type: 'app_home_opened', user, channel: dm, tab, event_ts: ws.nextTs() };
}

/** `channel_left` / `group_left`: the bot was removed from a conversation (by `actor_id`, when someone did). */
export function leftEvent(ws: Workspace, conv: Conversation, actor?: string): SlackEvent {
  return {
    type: conv.kind === 'public' ? 'channel_left' : 'group_left',
    channel: conv.id,
    ...(actor ? { actor_id: actor } : {}),
    event_ts: ws.nextTs(),
  };
}

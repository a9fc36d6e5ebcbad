/**
 * The Web API methods, with Slack's argument checks and error strings. Each handler returns the body
 * of an `ok: true` answer or throws `ApiError` (an `ok: false` answer). The methods of messages
 * (post, update, delete, streams), reactions and files live in their own files.
 */
import { accessible, ApiError, invalidArgument, str, type CallContext, type MethodSpec } from './api-common';
import { filesMethods } from './methods-files';
import { messageMethods } from './methods-messages';
import { reactionMethods } from './methods-reactions';
import type { ApiMethod } from './types';
import type { Conversation, StoredMessage, Workspace } from './workspace';

export { ApiError, flag, type CallContext } from './api-common';

/** Token type each method takes, and the scope(s) it needs (any one of them). */
export const METHODS: Record<ApiMethod, MethodSpec> = {
  'auth.test': { token: 'bot', scopes: () => [], handler: authTest },
  'apps.connections.open': { token: 'app', scopes: () => ['connections:write'], handler: connectionsOpen },
  'conversations.open': {
    token: 'bot',
    scopes: (c) => (String(c.args.users ?? '').split(',').length > 1 ? ['mpim:write'] : ['im:write']),
    handler: conversationsOpen,
  },
  'conversations.replies': { token: 'bot', scopes: historyScopes, handler: conversationsReplies },
  'users.info': { token: 'bot', scopes: () => ['users:read'], handler: usersInfo },
  ...messageMethods,
  ...reactionMethods,
  ...filesMethods,
};

const HISTORY: Record<Conversation['kind'], string> = {
  public: 'channels:history',
  private: 'groups:history',
  im: 'im:history',
  mpim: 'mpim:history',
};

function historyScopes(c: CallContext): string[] {
  const conv = c.ws.conversations.get(String(c.args.channel ?? ''));
  return conv ? [HISTORY[conv.kind]] : [];
}

function authTest({ ws, app }: CallContext) {
  const bot = ws.users.get(app.botUserId)!;
  return {
    url: `https://${ws.domain}.slack.com/`,
    team: ws.teamName,
    user: bot.name,
    team_id: ws.teamId,
    user_id: bot.id,
    bot_id: app.botId,
    is_enterprise_install: false,
  };
}

function connectionsOpen({ app, issueTicket }: CallContext) {
  return { url: issueTicket(app.appId) };
}

function conversationsOpen(c: CallContext) {
  const ids = String(c.args.users ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0) throw new ApiError(str(c.args.channel) ? 'channel_not_found' : 'users_list_not_supplied');
  if (ids.length > 8) throw new ApiError('too_many_users');
  for (const id of ids) {
    const u = c.ws.users.get(id);
    if (!u) throw new ApiError('user_not_found');
    if (u.isBot && ids.length === 1) throw new ApiError('cannot_dm_bot');
  }
  if (ids.length === 1) {
    const existing = c.ws.findIm(c.app.botUserId, ids[0]!);
    const conv = existing ?? c.ws.im(c.app.botUserId, ids[0]!);
    return { no_op: !!existing, already_open: !!existing, channel: { id: conv.id } };
  }
  return { channel: { id: c.ws.mpim([c.app.botUserId, ...ids]).id } };
}

function shape(ws: Workspace, m: StoredMessage): Record<string, unknown> {
  const base: Record<string, unknown> = { type: 'message', user: m.user, text: m.text, ts: m.ts, team: ws.teamId };
  if (m.botId) Object.assign(base, { bot_id: m.botId, app_id: m.appId });
  if (m.threadTs) Object.assign(base, { thread_ts: m.threadTs, parent_user_id: ws.message(m.channel, m.threadTs)?.user ?? '' });
  else if (m.replies.length)
    Object.assign(base, { thread_ts: m.ts, reply_count: m.replies.length, latest_reply: m.replies[m.replies.length - 1] });
  return base;
}

function conversationsReplies(c: CallContext) {
  const conv = accessible(c, str(c.args.channel));
  const ts = str(c.args.ts);
  if (!ts) throw invalidArgument('missing required field: ts');
  const m = c.ws.message(conv.id, ts);
  if (!m) throw new ApiError('thread_not_found');
  const limit = Math.max(1, Math.min(1000, Number(c.args.limit ?? 1000) || 1000));
  const all = m.threadTs ? [m] : [m, ...m.replies.map((r) => c.ws.message(conv.id, r)!)];
  return { messages: all.slice(0, limit).map((x) => shape(c.ws, x)), has_more: all.length > limit, response_metadata: { next_cursor: '' } };
}

function usersInfo(c: CallContext) {
  const u = c.ws.users.get(str(c.args.user) ?? '');
  if (!u) throw new ApiError('user_not_found');
  const profile = {
    real_name: u.realName,
    display_name: u.displayName,
    real_name_normalized: u.realName,
    display_name_normalized: u.displayName,
    team: c.ws.teamId,
    ...(u.botId ? { bot_id: u.botId } : {}),
  };
  return {
    user: {
      id: u.id,
      team_id: c.ws.teamId,
      name: u.name,
      deleted: false,
      real_name: u.realName,
      tz: 'Europe/London',
      tz_offset: 0,
      is_admin: false,
      is_owner: false,
      is_bot: u.isBot,
      is_app_user: false,
      updated: Math.floor(Date.now() / 1000),
      profile,
    },
  };
}

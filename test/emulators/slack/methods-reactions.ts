/**
 * reactions.add / reactions.remove (by channel and timestamp, emoji names checked, aliases stored under
 * Slack's canonical name as in `+1`), and assistant.threads.setStatus for apps with Agents & AI Apps on.
 */
import { accessible, ApiError, invalidArgument, str, type CallContext, type MethodSpec } from './api-common';
import type { ApiMethod } from './types';

/** Standard emoji the workspace knows (a selection), and aliases Slack stores under another name. */
const EMOJI = new Set(
  (
    '+1 -1 eyes white_check_mark heavy_check_mark ballot_box_with_check x heavy_multiplication_x heart ok_hand fire clap pray tada ' +
    'rocket hourglass hourglass_flowing_sand thinking_face raised_hands 100 wave smile joy warning question exclamation star memo ' +
    'bulb ok speech_balloon construction white_circle large_green_circle red_circle muscle sparkles'
  ).split(' '),
);
const ALIASES: Record<string, string> = { thumbsup: '+1', thumbsdown: '-1' };
/** Distinct emoji one message can carry. */
const MAX_EMOJI = 50;

/** The message a reaction call names, with the emoji's canonical name. */
function target(c: CallContext) {
  const channel = str(c.args.channel);
  const ts = str(c.args.timestamp);
  if (!channel || !ts) throw new ApiError('no_item_specified');
  const conv = accessible(c, channel);
  if (conv.archived) throw new ApiError('is_archived');
  if (!/^\d+\.\d+$/.test(ts)) throw new ApiError('bad_timestamp');
  const m = c.ws.message(conv.id, ts);
  if (!m) throw new ApiError('message_not_found');
  const raw = (str(c.args.name) ?? '').replace(/^:|:$/g, '');
  const base = raw.split('::')[0]!;
  const name = ALIASES[base] ?? base;
  if (!EMOJI.has(name)) throw new ApiError('invalid_name');
  return { m, name: raw.includes('::') ? `${name}::${raw.split('::')[1]}` : name };
}

function add(c: CallContext) {
  const { m, name } = target(c);
  const users = m.reactions.get(name) ?? [];
  if (users.includes(c.app.botUserId)) throw new ApiError('already_reacted');
  if (!m.reactions.has(name) && m.reactions.size >= MAX_EMOJI) throw new ApiError('too_many_emoji');
  m.reactions.set(name, [...users, c.app.botUserId]);
  c.onReaction(c.app, m, name, true);
  return {};
}

function remove(c: CallContext) {
  const { m, name } = target(c);
  const users = m.reactions.get(name) ?? [];
  if (!users.includes(c.app.botUserId)) throw new ApiError('no_reaction');
  const left = users.filter((u) => u !== c.app.botUserId);
  if (left.length) m.reactions.set(name, left);
  else m.reactions.delete(name);
  c.onReaction(c.app, m, name, false);
  return {};
}

/** Only in the app's DMs, only when the app is an assistant; an empty status clears it. */
function setStatus(c: CallContext) {
  const channel = str(c.args.channel_id);
  const threadTs = str(c.args.thread_ts);
  if (typeof c.args.status !== 'string') throw invalidArgument('missing required field: status');
  if (!channel) throw new ApiError('channel_not_found', { detail: 'Invalid channel_id' });
  const conv = c.ws.conversations.get(channel);
  if (!conv || !conv.members.has(c.app.botUserId)) throw new ApiError('channel_not_found', { detail: 'Invalid channel_id' });
  if (!c.app.assistant || conv.kind !== 'im') throw new ApiError('access_denied');
  if (!threadTs || !c.ws.message(conv.id, threadTs)) throw new ApiError('invalid_thread_ts');
  c.onStatus({ appId: c.app.appId, channel: conv.id, threadTs, status: c.args.status, at: Date.now() });
  return {};
}

export const reactionMethods = {
  'reactions.add': { token: 'bot', scopes: () => ['reactions:write'], handler: add },
  'reactions.remove': { token: 'bot', scopes: () => ['reactions:write'], handler: remove },
  'assistant.threads.setStatus': { token: 'bot', scopes: () => ['assistant:write'], handler: setStatus },
} satisfies Partial<Record<ApiMethod, MethodSpec>>;

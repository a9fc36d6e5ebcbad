/**
 * The chat.* methods, with Slack's refusals.
 * - chat.postMessage: `is_archived`, `no_text`, `msg_too_long`, `invalid_thread_ts`.
 * - chat.update and chat.delete: `message_not_found`, `cant_update_message` / `cant_delete_message` for a
 *   message the app did not post, `streaming_state_conflict` while a stream is open, `edit_window_closed`
 *   past the workspace's edit window, `msg_too_long`, `no_text`, `is_inactive`.
 * - chat.startStream / chat.appendStream / chat.stopStream: a streamed message is a thread reply
 *   (`thread_ts` required), to a recipient outside DMs (`missing_recipient_user_id`,
 *   `missing_recipient_team_id`), whose text grows by each `markdown_text` (at most 12,000 characters a
 *   call: `msg_too_long`) until it is stopped, or until Slack closes it by itself; after that, appends and
 *   stops answer `message_not_in_streaming_state`. Only the app that started a stream may write to it.
 */
import {
  accessible,
  ApiError,
  botMessage,
  invalidArgument,
  isStreaming,
  jsonArg,
  ownMessage,
  parseBlocks,
  postAsBot,
  str,
  threadOf,
  type CallContext,
  type MethodSpec,
} from './api-common';
import type { ApiMethod } from './types';

/** What one stream call may add. */
const MARKDOWN_LIMIT = 12_000;

function postMessage(c: CallContext) {
  const conv = accessible(c, str(c.args.channel));
  if (conv.archived) throw new ApiError('is_archived');
  const text = typeof c.args.text === 'string' ? c.args.text : '';
  const blocks = parseBlocks(c.args.blocks);
  if (!text && !blocks && !str(c.args.attachments)) throw new ApiError('no_text');
  if (text.length > 40_000) throw new ApiError('msg_too_long');
  const m = postAsBot(c, conv, threadOf(c, conv), 'chat.postMessage', { text, ...(blocks ? { blocks } : {}) });
  return { channel: conv.id, ts: m.ts, message: botMessage(c, m) };
}

function update(c: CallContext) {
  const { conv, m } = ownMessage(c, 'cant_update_message');
  if (conv.archived) throw new ApiError('is_inactive');
  if (isStreaming(m)) throw new ApiError('streaming_state_conflict');
  if (c.limits.editWindowMs !== undefined && Date.now() - m.postedAt > c.limits.editWindowMs) throw new ApiError('edit_window_closed');
  const text = typeof c.args.text === 'string' ? c.args.text : undefined;
  const blocks = parseBlocks(c.args.blocks);
  if (!text && !blocks) throw new ApiError('no_text');
  if ((text ?? '').length > 40_000) throw new ApiError('msg_too_long');
  const previous = m.text;
  m.text = text ?? '';
  // chat.update replaces the blocks: an update without them takes them off.
  if (blocks) m.blocks = blocks;
  else delete m.blocks;
  m.editedTs = c.ws.nextTs();
  if (m.stream) m.stream.state = 'stopped';
  c.onChanged(c.app, m, previous);
  return { channel: conv.id, ts: m.ts, text: m.text, message: botMessage(c, m) };
}

function remove(c: CallContext) {
  const { conv, m } = ownMessage(c, 'cant_delete_message');
  c.ws.messages.delete(`${conv.id}/${m.ts}`);
  if (m.threadTs) {
    const parent = c.ws.message(conv.id, m.threadTs);
    if (parent) parent.replies = parent.replies.filter((r) => r !== m.ts);
  }
  c.onDeleted(c.app, m);
  return { channel: conv.id, ts: m.ts };
}

/** The `markdown_text` of a call (and of its `markdown_text` chunks). */
function markdownOf(c: CallContext, required: boolean): string {
  let text = typeof c.args.markdown_text === 'string' ? c.args.markdown_text : undefined;
  const chunks = c.args.chunks === undefined ? undefined : (c.args.chunks as unknown);
  if (chunks !== undefined) {
    const list = jsonArg(chunks, 'invalid_arguments');
    if (!Array.isArray(list)) throw invalidArgument('chunks must be an array');
    for (const ch of list as Array<{ type?: unknown; text?: unknown }>) {
      if (ch?.type === 'markdown_text' && typeof ch.text === 'string') text = (text ?? '') + ch.text;
    }
  }
  if (text === undefined && required) throw invalidArgument('missing required field: markdown_text');
  if ((text ?? '').length > MARKDOWN_LIMIT) throw new ApiError('msg_too_long');
  return text ?? '';
}

function start(c: CallContext) {
  const conv = accessible(c, str(c.args.channel));
  if (conv.archived) throw new ApiError('is_archived');
  if (!str(c.args.thread_ts)) throw invalidArgument('missing required field: thread_ts');
  const thread = threadOf(c, conv);
  const recipient = str(c.args.recipient_user_id);
  if (conv.kind !== 'im') {
    if (!recipient) throw new ApiError('missing_recipient_user_id');
    if (!str(c.args.recipient_team_id)) throw new ApiError('missing_recipient_team_id');
  }
  if (recipient && !c.ws.users.has(recipient)) throw new ApiError('user_not_found');
  const text = markdownOf(c, false);
  const m = postAsBot(c, conv, thread, 'chat.startStream', {
    text,
    stream: { state: 'streaming', closesAt: Date.now() + c.limits.streamTimeoutMs, ...(recipient ? { recipient } : {}) },
  });
  return { channel: conv.id, ts: m.ts };
}

/** The stream a call writes to: the app's own message, still streaming. */
function openStream(c: CallContext) {
  const { conv, m } = ownMessage(c, 'cant_update_message');
  if (!isStreaming(m)) throw new ApiError('message_not_in_streaming_state');
  return { conv, m };
}

function append(c: CallContext) {
  const { conv, m } = openStream(c);
  const text = markdownOf(c, true);
  if (text === '') throw new ApiError('no_text');
  m.text += text;
  return { channel: conv.id, ts: m.ts };
}

function stop(c: CallContext) {
  const { conv, m } = openStream(c);
  const text = markdownOf(c, false);
  const blocks = parseBlocks(c.args.blocks);
  const previous = m.text;
  m.text += text;
  if (blocks) m.blocks = blocks;
  m.stream!.state = 'stopped';
  c.onChanged(c.app, m, previous);
  return { channel: conv.id, ts: m.ts, message: botMessage(c, m) };
}

export const messageMethods = {
  'chat.postMessage': { token: 'bot', scopes: () => ['chat:write'], handler: postMessage },
  'chat.update': { token: 'bot', scopes: () => ['chat:write'], handler: update },
  'chat.delete': { token: 'bot', scopes: () => ['chat:write'], handler: remove },
  'chat.startStream': { token: 'bot', scopes: () => ['chat:write'], handler: start },
  'chat.appendStream': { token: 'bot', scopes: () => ['chat:write'], handler: append },
  'chat.stopStream': { token: 'bot', scopes: () => ['chat:write'], handler: stop },
} satisfies Partial<Record<ApiMethod, MethodSpec>>;

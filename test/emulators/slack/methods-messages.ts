/**
 * chat.update and chat.delete, with Slack's refusals: `message_not_found`, `cant_update_message` /
 * `cant_delete_message` for a message the app did not post, `streaming_state_conflict` while a stream
 * is open, `edit_window_closed` past the workspace's edit window, `msg_too_long`, `no_text`, `is_inactive`.
 */
import { ApiError, botMessage, isStreaming, ownMessage, parseBlocks, type CallContext, type MethodSpec } from './api-common';
import type { ApiMethod } from './types';

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

export const messageMethods = {
  'chat.update': { token: 'bot', scopes: () => ['chat:write'], handler: update },
  'chat.delete': { token: 'bot', scopes: () => ['chat:write'], handler: remove },
} satisfies Partial<Record<ApiMethod, MethodSpec>>;

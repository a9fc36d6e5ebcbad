import type { InboundEnvelope } from '../contract/schemas';
import type { CoreEntry } from '../config/schema';
import type { InboundDraft } from '../plugin/types';
import { renderText } from '../plugin/text';

/**
 * The session key an agent keeps conversation memory under. Unset policy: a direct chat is one session,
 * a group has one per sender. `conversation`: one per conversation; `sender`: one per person across
 * conversations; `thread`: one per thread (falling back to the unset policy outside threads).
 */
export function sessionKey(channel: string, account: string, policy: CoreEntry['session'], draft: InboundDraft): string {
  const base = `${channel}:${account}`;
  const conv = draft.conversation;
  switch (policy) {
    case 'conversation':
      return `${base}:${conv.id}`;
    case 'sender':
      return `${base}:user:${draft.sender.id}`;
    case 'thread':
      if (conv.thread) return `${base}:${conv.id}:thread:${conv.thread}`;
      break;
  }
  return conv.type === 'direct' ? `${base}:${conv.id}` : `${base}:${conv.id}:${draft.sender.id}`;
}

/** Whether the draft mentions this bot: the plugin's word, else a `mention` part with `self: true`. */
export function isMentioned(draft: InboundDraft): boolean {
  return draft.mentioned ?? draft.parts.some((p) => p.type === 'mention' && p.self);
}

/** Builds the inbound envelope of the contract from a plugin's draft. */
export function buildEnvelope(
  channel: string,
  account: string,
  entry: Pick<CoreEntry, 'session' | 'includeRaw'>,
  draft: InboundDraft,
): InboundEnvelope {
  const time = draft.time === undefined ? new Date() : new Date(draft.time);
  const conversation: InboundEnvelope['conversation'] = { id: draft.conversation.id, type: draft.conversation.type };
  if (draft.conversation.thread) conversation.thread = draft.conversation.thread;
  if (draft.conversation.name) conversation.name = draft.conversation.name;
  const sender: InboundEnvelope['sender'] = { id: draft.sender.id, kind: draft.sender.kind ?? 'user' };
  if (draft.sender.name) sender.name = draft.sender.name;
  const message: InboundEnvelope['message'] = {
    id: draft.messageId,
    text: draft.text ?? renderText(draft.parts),
    parts: draft.parts,
    mentioned: isMentioned(draft),
  };
  if (draft.replyTo) message.replyTo = draft.replyTo;
  const env: InboundEnvelope = {
    v: 1,
    kind: 'message',
    id: `${channel}:${account}:${draft.messageId}`,
    channel,
    account,
    time: Number.isNaN(time.getTime()) ? new Date().toISOString() : time.toISOString(),
    conversation,
    sender,
    message,
    session: sessionKey(channel, account, entry.session, draft),
  };
  if (entry.includeRaw && draft.raw !== undefined) env.raw = draft.raw;
  return env;
}

import type { InboundAction, InboundEnvelope, InboundEvent } from '../contract/schemas';
import type { CoreEntry } from '../config/schema';
import type { Draft, InboundDraft } from '../plugin/drafts';
import { renderText } from '../plugin/text';

/**
 * The session key an agent keeps conversation memory under. Unset policy: a direct chat is one session,
 * a group has one per sender. `conversation`: one per conversation; `sender`: one per person across
 * conversations; `thread`: one per thread (falling back to the unset policy outside threads).
 */
export function sessionKey(
  channel: string,
  account: string,
  policy: CoreEntry['session'],
  draft: Pick<Draft, 'conversation' | 'sender'>,
): string {
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
  const { time, conversation, sender } = commonFields(draft);
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
    time,
    conversation,
    sender,
    message,
    session: sessionKey(channel, account, entry.session, draft),
  };
  if (entry.includeRaw && draft.raw !== undefined) env.raw = draft.raw;
  return env;
}

/** Time, conversation and sender of any draft, as the envelope carries them. */
function commonFields(draft: Draft): Pick<InboundEnvelope, 'time' | 'conversation' | 'sender'> {
  const at = draft.time === undefined ? new Date() : new Date(draft.time);
  const conversation: InboundEnvelope['conversation'] = { id: draft.conversation.id, type: draft.conversation.type };
  if (draft.conversation.thread) conversation.thread = draft.conversation.thread;
  if (draft.conversation.name) conversation.name = draft.conversation.name;
  const sender: InboundEnvelope['sender'] = { id: draft.sender.id, kind: draft.sender.kind ?? 'user' };
  if (draft.sender.name) sender.name = draft.sender.name;
  return { time: Number.isNaN(at.getTime()) ? new Date().toISOString() : at.toISOString(), conversation, sender };
}

/** Builds the envelope of an event draft; `action` is the button core resolved for a click. */
export function buildEvent(
  channel: string,
  account: string,
  entry: Pick<CoreEntry, 'session' | 'includeRaw'>,
  draft: Exclude<Draft, InboundDraft>,
  id: string,
  action?: InboundAction['action'],
): InboundEvent {
  const base = { v: 1 as const, id, channel, account, ...commonFields(draft), session: sessionKey(channel, account, entry.session, draft) };
  const raw = entry.includeRaw && draft.raw !== undefined ? { raw: draft.raw } : {};
  switch (draft.kind) {
    case 'action':
      return { ...base, kind: 'action', action: action ?? { id: draft.menu ?? draft.token! }, ...raw };
    case 'command':
      return { ...base, kind: 'command', command: { name: draft.name.replace(/^\//, ''), args: draft.args }, ...raw };
    case 'reaction':
      return { ...base, kind: 'reaction', reaction: { emoji: draft.emoji, messageId: draft.messageId, added: draft.added }, ...raw };
    case 'member':
      return { ...base, kind: 'member', member: { change: draft.change, ...(draft.users?.length ? { users: draft.users } : {}) }, ...raw };
    case 'recall':
      return { ...base, kind: 'recall', recall: { messageId: draft.messageId }, ...raw };
  }
}

import type { ActionDraft, InboundDraft, Part } from '../../core/plugin';
import type { Uploaded } from './files';
import type { Visitor } from './identity';
import type { ClientFrame } from './protocol';

/** The id the gateway gives a visitor's message: `<visitor>.<page id>` (page ids have no dot). */
export const visitorMessageId = (visitor: string, pageId: string) => `${visitor}.${pageId}`;

/** The visitor of a message id a visitor sent (`<visitor>.<page id>`), if it is one. */
export function visitorOfMessage(messageId: string | undefined): string | undefined {
  const dot = messageId?.lastIndexOf('.') ?? -1;
  return dot > 0 ? messageId!.slice(0, dot) : undefined;
}

function who(visitor: Visitor): Pick<InboundDraft, 'conversation' | 'sender'> {
  return { conversation: { id: visitor.id, type: 'direct' }, sender: { id: visitor.id, name: visitor.name ?? 'Visitor' } };
}

/** A message frame (with the files its receipts named) as a draft: one direct conversation per visitor. */
export function messageDraft(visitor: Visitor, frame: Extract<ClientFrame, { type: 'message' }>, files: Uploaded[]): InboundDraft {
  const parts: Part[] = frame.text.trim() ? [{ type: 'text', text: frame.text }] : [];
  for (const f of files)
    parts.push({ type: f.kind === 'image' ? 'image' : 'file', ref: f.object, object: f.object, name: f.name, size: f.size, mime: f.mime });
  return { messageId: visitorMessageId(visitor.id, frame.id), ...who(visitor), parts };
}

/** A click as an action draft: core checks the token against the message it names. */
export function clickDraft(visitor: Visitor, frame: Extract<ClientFrame, { type: 'click' }>): ActionDraft {
  return { kind: 'action', eventKey: `${visitor.id}.click.${frame.id}`, token: frame.token, messageId: frame.message, ...who(visitor) };
}

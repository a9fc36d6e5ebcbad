import type { InboundAction } from '../contract/schemas';
import type { ActionDraft } from '../plugin/drafts';
import type { Outbox } from './outbox';

/**
 * Turns a clicked button's token back into the button the agent sent: its id, value, the message it is
 * on and the envelope that created that message. A token core never recorded (forged, or expired with
 * `delivery.remember`), one clicked on another message or chat than it was sent with, or one an edit
 * has since taken off the message, is refused. NATS errors reject, so the platform redelivers.
 */
export class ActionResolver {
  constructor(private readonly outbox: Outbox) {}

  async resolve(draft: ActionDraft & { token: string }): Promise<{ action: InboundAction['action'] } | { refused: string }> {
    const token = await this.outbox.getAction(draft.token);
    if (!token) return { refused: 'unknown or expired button (no such token was sent, or it is older than delivery.remember)' };
    const message = (await this.outbox.get(token.envelope))?.message;
    if (!message) return { refused: `the message of envelope "${token.envelope}" is no longer remembered (older than delivery.remember)` };
    if (draft.messageId !== undefined && message.messageIds.length && !message.messageIds.includes(draft.messageId))
      return { refused: 'the button belongs to another message' };
    // Checked with a message id too: platforms whose message ids are global (Feishu) name the chat apart.
    if (token.conversation && token.conversation !== draft.conversation.id) return { refused: 'the button belongs to another chat' };
    if (message.deleted) return { refused: 'the message was deleted' };
    const stored = message.actions?.find((a) => a.token === draft.token);
    if (!stored) return { refused: 'the button is no longer on the message (an edit replaced it)' };
    const messageId = draft.messageId ?? message.messageIds[0];
    return {
      action: {
        id: stored.id,
        ...(stored.value !== undefined ? { value: stored.value } : {}),
        ...(messageId ? { messageId } : {}),
        envelope: token.envelope,
      },
    };
  }
}

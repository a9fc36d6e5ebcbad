import type { InboundAction, Receipt } from '../contract/schemas';
import { AgentError } from './agent-error';

/** A message an agent sent: the receipt of its envelope, a click's action (its `envelope`), or the ids by hand. */
export type MessageRef = Receipt | InboundAction | { channel: string; account: string; envelope: string };

/** The channel, account and envelope id a reference names; throws `E_SCHEMA` when it names no envelope. */
export function refOf(ref: MessageRef): { channel: string; account: string; envelope: string } {
  if ('kind' in ref && ref.kind === 'action') {
    if (!ref.action.envelope)
      throw new AgentError('E_SCHEMA', `action "${ref.action.id}" is not on a message this agent sent (a bot-menu item?)`, {
        retryable: false,
      });
    return { channel: ref.channel, account: ref.account, envelope: ref.action.envelope };
  }
  if ('kind' in ref && ref.kind === 'receipt') {
    if (!ref.id) throw new AgentError('E_SCHEMA', 'the receipt names no envelope', { retryable: false });
    return { channel: ref.channel, account: ref.account, envelope: ref.id };
  }
  return ref as { channel: string; account: string; envelope: string };
}

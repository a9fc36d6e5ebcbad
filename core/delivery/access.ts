import type { Draft } from '../plugin/drafts';
import type { CoreEntry } from '../config/schema';

export type AccessDecision = { allowed: true } | { allowed: false; reason: 'not-in-allowFrom' | 'group-policy-off' | 'not-mentioned' };

type AccessEntry = Pick<CoreEntry, 'allowFrom' | 'groupPolicy'> & Partial<Pick<CoreEntry, 'dmPolicy'>>;

/**
 * Core's access rules, the same for every channel: `allowFrom` (sender ids, `"*"` for everyone; unset
 * means everyone) and `groupPolicy` for group conversations (`mention`: only when this bot is mentioned,
 * `open`: every message, `off`: none). With `dmPolicy: pairing` the senders an operator approved
 * (`approved`) count as listed, and an unset `allowFrom` means nobody is listed yet.
 */
export function decideAccess(
  entry: AccessEntry,
  draft: Pick<Draft, 'sender' | 'conversation'>,
  mentioned: boolean,
  approved: (senderId: string) => boolean = () => false,
): AccessDecision {
  if (!senderAllowed(entry, draft.sender.id, approved)) return { allowed: false, reason: 'not-in-allowFrom' };
  if (draft.conversation.type === 'group') {
    if (entry.groupPolicy === 'off') return { allowed: false, reason: 'group-policy-off' };
    if (entry.groupPolicy === 'mention' && !mentioned) return { allowed: false, reason: 'not-mentioned' };
  }
  return { allowed: true };
}

function senderAllowed(entry: AccessEntry, id: string, approved: (senderId: string) => boolean): boolean {
  const pairing = entry.dmPolicy === 'pairing';
  const allow = entry.allowFrom ?? (pairing ? [] : undefined);
  if (!allow || allow.includes('*') || allow.includes(id)) return true;
  return pairing && approved(id);
}

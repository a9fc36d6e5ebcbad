import type { InboundAction, InboundAny } from '../../core/contract/schemas';
import type { Collector } from './collector';
import type { LogCapture } from './harness';

/** The question of the actions tests: Approve carries a value the platform must never see, Reject none. */
export const ASK = {
  id: 'ask-1',
  text: 'Deploy?',
  actions: [
    { id: 'approve', label: 'Approve', style: 'primary', value: 'deploy:42' },
    { id: 'reject', label: 'Reject', style: 'danger' },
  ],
};

/** What the gateway logs when it refuses a click, by the reason. */
export const REFUSED = {
  unknown: 'button click refused: unknown or expired button (no such token was sent, or it is older than delivery.remember)',
  otherMessage: 'button click refused: the button belongs to another message',
  replaced: 'button click refused: the button is no longer on the message (an edit replaced it)',
};

/** The action envelopes in `inbox`, in order. */
export function actionsIn(inbox: Collector<InboundAny>): InboundAction[] {
  return inbox.items.filter((e): e is InboundAction => e.kind === 'action');
}

/** The gateway's log lines about refused clicks, in order. */
export function refusals(logs: LogCapture): string[] {
  return logs.messages().filter((m) => m.startsWith('button click refused'));
}

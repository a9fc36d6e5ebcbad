import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { checkInbound } from '../contract/validate';
import type { Subjects } from '../contract/subjects';
import type { CoreEntry } from '../config/schema';
import { GatewayError } from '../errors';
import type { Metrics } from '../http/metrics';
import type { InboundDraft, PublishResult } from '../plugin/types';
import type { PairingGate } from '../pairing/gate';
import { decideAccess } from './access';
import { buildEnvelope, isMentioned } from './envelope';

const HINTS: Record<string, string> = {
  'group-policy-off': 'groupPolicy is off: group messages are not forwarded',
  'not-mentioned': 'groupPolicy is mention: the bot was not mentioned',
};

/** Whom a draft is published for: the instance, its core keys and logger, and its pairing gate when `dmPolicy: pairing`. */
export interface InboundTarget {
  channel: string;
  account: string;
  entry: Pick<CoreEntry, 'allowFrom' | 'groupPolicy' | 'session' | 'includeRaw'> & Partial<Pick<CoreEntry, 'dmPolicy'>>;
  log: Logger;
  pairing?: PairingGate;
}

/**
 * Turns a plugin's draft into a stored inbound envelope: bots skipped, access rules applied (a stranger's
 * direct message answered with a pairing code when the instance pairs), schema checked, then published
 * to the inbound stream with `Nats-Msg-Id` = envelope id. Resolves only after JetStream stored it (or
 * recognised it as a duplicate), so a plugin may acknowledge the platform then.
 */
export class InboundPublisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly subjects: Subjects,
    private readonly metrics: Metrics,
    private readonly publishTimeoutMs = 5000,
  ) {}

  async publish(target: InboundTarget, draft: InboundDraft): Promise<PublishResult> {
    const { channel, account, entry, log, pairing } = target;
    const id = `${channel}:${account}:${draft.messageId}`;
    const labels = { channel, account };
    if ((draft.sender.kind ?? 'user') === 'bot') {
      this.metrics.inbound.inc({ ...labels, outcome: 'ignored' });
      log.debug({ id, sender: draft.sender.id }, 'message from a bot skipped');
      return { outcome: 'ignored', id, reason: 'sent by a bot' };
    }
    const access = decideAccess(entry, draft, isMentioned(draft), pairing && ((sender) => pairing.allows(sender)));
    if (!access.allowed) {
      this.metrics.inbound.inc({ ...labels, outcome: 'denied' });
      if (access.reason === 'not-in-allowFrom' && pairing && draft.conversation.type === 'direct') {
        await pairing.challenge(draft);
        return { outcome: 'denied', id, reason: 'awaiting pairing approval' };
      }
      if (access.reason === 'not-in-allowFrom') {
        log.info(
          { senderId: draft.sender.id, senderName: draft.sender.name, conversation: draft.conversation.id },
          `message from ${draft.sender.id} dropped: sender not in allowFrom; to allow it, add "${draft.sender.id}" to allowFrom of ${channel}/${account}${pairing ? ' (or the sender asks for a pairing code in a direct message)' : ''}`,
        );
      } else {
        log.debug({ id, conversation: draft.conversation.id }, `group message dropped: ${HINTS[access.reason]}`);
      }
      return { outcome: 'denied', id, reason: access.reason };
    }
    const envelope = buildEnvelope(channel, account, entry, draft);
    const checked = checkInbound(envelope);
    if (!checked.ok) {
      this.metrics.inbound.inc({ ...labels, outcome: 'ignored' });
      log.error(
        { id, problem: checked.message },
        'plugin produced an invalid inbound envelope; message dropped (a plugin bug: please report it)',
      );
      return { outcome: 'ignored', id, reason: `invalid envelope: ${checked.message}` };
    }
    try {
      const ack = await this.js.publish(this.subjects.ingest(channel, account), JSON.stringify(envelope), {
        msgID: id,
        timeout: this.publishTimeoutMs,
      });
      const outcome = ack.duplicate ? 'duplicate' : 'stored';
      this.metrics.inbound.inc({ ...labels, outcome });
      log.debug({ id, seq: ack.seq, outcome }, 'inbound message stored');
      return { outcome, id };
    } catch (err) {
      this.metrics.inbound.inc({ ...labels, outcome: 'error' });
      throw new GatewayError(
        'E_NATS',
        `inbound message ${id} not stored: ${(err as Error).message}`,
        'the platform should redeliver it once NATS is back',
      );
    }
  }
}

import type { JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { checkInbound } from '../contract/validate';
import type { Subjects } from '../contract/subjects';
import type { CoreEntry } from '../config/schema';
import { GatewayError } from '../errors';
import type { Metrics } from '../http/metrics';
import type { InboundKind } from '../contract/schemas';
import { isMessageDraft, type Draft, type InboundDraft } from '../plugin/drafts';
import type { PublishResult } from '../plugin/types';
import type { PairingGate } from '../pairing/gate';
import { TRACEPARENT, formatTraceparent, parseTraceparent, tracedLogger, withTrace } from '../trace/context';
import type { Span, Tracer } from '../trace/tracer';
import { decideAccess } from './access';
import { buildEnvelope, buildEvent, isMentioned } from './envelope';
import type { ActionResolver } from './inbound-actions';

/** What an instance publishes when its entry has no `events:`. */
export const DEFAULT_EVENTS: InboundKind[] = ['message', 'action', 'command'];

const HINTS: Record<string, string> = {
  'group-policy-off': 'groupPolicy is off: group messages are not forwarded',
  'not-mentioned': 'groupPolicy is mention: the bot was not mentioned',
};

/** Whom a draft is published for: the instance, its core keys and logger, and its pairing gate when `dmPolicy: pairing`. */
export interface InboundTarget {
  channel: string;
  account: string;
  entry: Pick<CoreEntry, 'allowFrom' | 'groupPolicy' | 'session' | 'includeRaw'> & Partial<Pick<CoreEntry, 'dmPolicy' | 'events'>>;
  log: Logger;
  pairing?: PairingGate;
  /** Maps a clicked button's token back to the button (1.2). */
  actions?: ActionResolver;
  /** Stores the media parts the instance fetches eagerly (`media.eager`) before the message is published. */
  eager?: (draft: InboundDraft) => Promise<InboundDraft>;
}

/**
 * Turns a plugin's draft into a stored inbound envelope: bots skipped, access rules applied (a stranger's
 * direct message answered with a pairing code when the instance pairs), schema checked, then published
 * to the inbound stream with `Nats-Msg-Id` = envelope id and a `traceparent` header. Resolves only after
 * JetStream stored it (or recognised it as a duplicate), so a plugin may acknowledge the platform then.
 *
 * Each event starts a trace (or continues the platform's, when the draft carries one): the span
 * `chat.inbound` runs from the draft to the stored envelope, and every log line meanwhile carries its ids.
 */
export class InboundPublisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly subjects: Subjects,
    private readonly metrics: Metrics,
    private readonly tracer: Tracer,
    private readonly publishTimeoutMs = 5000,
  ) {}

  publish(target: InboundTarget, draft: Draft): Promise<PublishResult> {
    const { channel, account } = target;
    const id = `${channel}:${account}:${isMessageDraft(draft) ? draft.messageId : draft.eventKey}`;
    const parent = parseTraceparent(draft.traceparent);
    const span = this.tracer.start('chat.inbound', {
      kind: 'producer',
      ...(parent ? { parent } : {}),
      attributes: { 'chat.channel': channel, 'chat.account': account, 'chat.envelope.id': id },
    });
    return withTrace(span.context, () => this.run(target, draft, id, span)).then(
      (result) => {
        span.setAttributes({ 'chat.inbound.outcome': result.outcome, 'chat.inbound.reason': result.reason });
        span.end();
        return result;
      },
      (err: Error) => {
        span.fail(err.message);
        span.end();
        throw err;
      },
    );
  }

  private async run(target: InboundTarget, draft: Draft, id: string, span: Span): Promise<PublishResult> {
    const { channel, account, entry, log, pairing } = target;
    const message = isMessageDraft(draft);
    const kind = draft.kind ?? 'message';
    const labels = { channel, account };
    if (!(entry.events ?? DEFAULT_EVENTS).includes(kind)) {
      this.metrics.inbound.inc({ ...labels, outcome: 'ignored' });
      log.debug({ id, kind }, `${kind} event not published: ${channel}/${account} does not list it in events`);
      return { outcome: 'ignored', id, reason: `"${kind}" is not in events: of this instance` };
    }
    if ((draft.sender.kind ?? 'user') === 'bot') {
      this.metrics.inbound.inc({ ...labels, outcome: 'ignored' });
      log.debug({ id, sender: draft.sender.id }, 'message from a bot skipped');
      return { outcome: 'ignored', id, reason: 'sent by a bot' };
    }
    // A mention is asked of group messages only: a click or a reaction in a group needs none.
    const access = decideAccess(entry, draft, message ? isMentioned(draft) : true, pairing && ((sender) => pairing.allows(sender)));
    if (!access.allowed) {
      this.metrics.inbound.inc({ ...labels, outcome: 'denied' });
      if (access.reason === 'not-in-allowFrom' && pairing && message && draft.conversation.type === 'direct') {
        await pairing.challenge(draft);
        return { outcome: 'denied', id, reason: 'awaiting pairing approval' };
      }
      if (access.reason === 'not-in-allowFrom') {
        tracedLogger(log, span.context).info(
          { senderId: draft.sender.id, senderName: draft.sender.name, conversation: draft.conversation.id },
          `${message ? 'message' : kind} from ${draft.sender.id} dropped: sender not in allowFrom; to allow it, add "${draft.sender.id}" to allowFrom of ${channel}/${account}${pairing ? ' (or the sender asks for a pairing code in a direct message)' : ''}`,
        );
      } else {
        log.debug({ id, conversation: draft.conversation.id }, `group ${message ? 'message' : kind} dropped: ${HINTS[access.reason]}`);
      }
      return { outcome: 'denied', id, reason: access.reason };
    }
    let envelope;
    if (message) envelope = buildEnvelope(channel, account, entry, target.eager ? await target.eager(draft) : draft);
    else {
      const action = draft.kind === 'action' ? await this.resolveAction(target, draft, id, span) : undefined;
      if (action && 'refused' in action) {
        this.metrics.inbound.inc({ ...labels, outcome: 'denied' });
        return { outcome: 'denied', id, reason: action.refused };
      }
      envelope = buildEvent(channel, account, entry, draft, id, action?.action);
    }
    const checked = checkInbound(envelope);
    if (!checked.ok) {
      this.metrics.inbound.inc({ ...labels, outcome: 'ignored' });
      tracedLogger(log, span.context).error(
        { id, problem: checked.message },
        'plugin produced an invalid inbound envelope; message dropped (a plugin bug: please report it)',
      );
      return { outcome: 'ignored', id, reason: `invalid envelope: ${checked.message}` };
    }
    return this.store(target, envelope, id, span);
  }

  /** A click's button, or why the click is refused (logged: forged and stale clicks are worth seeing). */
  private async resolveAction(target: InboundTarget, draft: Extract<Draft, { kind: 'action' }>, id: string, span: Span) {
    if (draft.menu !== undefined) return { action: { id: draft.menu } };
    if (!target.actions) return { refused: 'this gateway keeps no buttons' };
    const resolved = await target.actions.resolve(draft);
    if ('refused' in resolved) {
      tracedLogger(target.log, span.context).warn(
        { id, sender: draft.sender.id, conversation: draft.conversation.id, messageId: draft.messageId },
        `button click refused: ${resolved.refused}`,
      );
    }
    return resolved;
  }

  private async store(target: InboundTarget, envelope: { time: string }, id: string, span: Span): Promise<PublishResult> {
    const { channel, account, log } = target;
    const labels = { channel, account };
    try {
      const h = headers();
      h.set(TRACEPARENT, formatTraceparent(span.context));
      const ack = await this.js.publish(this.subjects.ingest(channel, account), JSON.stringify(envelope), {
        msgID: id,
        timeout: this.publishTimeoutMs,
        headers: h,
      });
      const outcome = ack.duplicate ? 'duplicate' : 'stored';
      this.metrics.inbound.inc({ ...labels, outcome });
      // A duplicate is a redelivery: its latency is the platform's retry delay, not the way in.
      if (!ack.duplicate) this.metrics.inboundLatency.observe(labels, (Date.now() - Date.parse(envelope.time)) / 1000);
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

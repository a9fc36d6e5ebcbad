import { checkInbound } from '../contract/validate';
import type { InboundAny, InboundKind } from '../contract/schemas';
import { KeyedQueue } from '../delivery/keyed-queue';
import { rememberTrace } from './trace';
import type { ErrorListener } from './types';

/**
 * Runs the handler for each envelope of the kinds it takes: one at a time per conversation, in arrival
 * order, while different conversations run in parallel. Errors are reported, never thrown into the
 * NATS client.
 */
export class HandlerRunner {
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly handler: (env: InboundAny) => void | Promise<void>,
    /** Where failures of this subscription are reported. */
    readonly onError: ErrorListener,
    private readonly kinds: readonly InboundKind[] = ['message'],
  ) {}

  /** Whether the handler takes this kind (a subscription sees every kind on its subject). */
  wants(env: InboundAny): boolean {
    return this.kinds.includes(env.kind);
  }

  /**
   * Parses and validates a payload; reports and returns undefined when it is not a valid inbound
   * envelope. The message's `traceparent` header, if any, stays with the envelope for its replies.
   */
  decode(data: string, subject: string, traceparent?: string): InboundAny | undefined {
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch (err) {
      this.onError(new Error(`inbound payload on ${subject} is not JSON: ${(err as Error).message}`), { subject });
      return undefined;
    }
    const checked = checkInbound(value);
    if (checked.ok) {
      rememberTrace(checked.value, traceparent);
      return checked.value;
    }
    const rawId = (value as { id?: unknown } | null)?.id;
    const context = typeof rawId === 'string' ? { subject, envelopeId: rawId } : { subject };
    this.onError(new Error(`invalid inbound envelope on ${subject} skipped: ${checked.message}`), context);
    return undefined;
  }

  /**
   * Queues `env` behind earlier envelopes of its conversation. `before` runs when its turn comes and
   * may skip it by returning false; `done` gets the handler's error, if any.
   */
  run(env: InboundAny, subject: string, hooks: { before?: () => boolean; done?: (err?: Error) => void } = {}): void {
    this.queue.push(`${env.channel}.${env.account}.${env.conversation.id}`, async () => {
      if (hooks.before && !hooks.before()) return;
      let error: Error | undefined;
      try {
        await this.handler(env);
      } catch (thrown) {
        error = thrown instanceof Error ? thrown : new Error(String(thrown));
        this.onError(error, { subject, envelopeId: env.id });
      }
      hooks.done?.(error);
    });
  }

  /** Resolves when every queued handler has finished. */
  idle(): Promise<void> {
    return this.queue.idle();
  }
}

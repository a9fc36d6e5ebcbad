import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { parseSubject, type Subjects } from '../contract/subjects';
import { TRACEPARENT, parseTraceparent, tracedLogger } from '../trace/context';
import type { ReceiptPublisher } from './receipts';

/**
 * Answers outbound envelopes that no enabled instance serves with an `E_UNKNOWN_ACCOUNT` receipt, and
 * purges them from the outbound stream (nobody would ever consume them). A queue group makes one
 * replica answer each envelope.
 */
export class UnroutedHandler {
  private sub?: Subscription;

  constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly subjects: Subjects,
    private readonly receipts: ReceiptPublisher,
    private readonly known: () => Set<string>,
    private readonly log: Logger,
  ) {}

  start(): void {
    const { prefix } = this.subjects;
    this.sub = this.nc.subscribe(`${prefix}.out.>`, {
      queue: `${prefix}-gateway-unrouted`,
      callback: (err, msg) => {
        if (err) return;
        const parsed = parseSubject(prefix, msg.subject);
        if (parsed && this.known().has(`${parsed.channel}/${parsed.account}`)) return;
        let id: string | undefined;
        try {
          const v = JSON.parse(msg.string()) as { id?: unknown };
          if (typeof v?.id === 'string') id = v.id;
        } catch {
          // Not JSON: the receipt says so through its missing id; the account is the real problem.
        }
        const tokens = msg.subject
          .slice(prefix.length + 1)
          .split('.')
          .slice(1);
        const channel = parsed?.channel ?? tokens[0] ?? '';
        const account = parsed?.account ?? tokens.slice(1).join('.');
        const message = parsed
          ? `no enabled instance serves channel "${parsed.channel}" account "${parsed.account}"`
          : `subject ${msg.subject} is not ${prefix}.out.<channel>.<account>`;
        // The refusal stays in the agent's trace: its log line and its receipt carry the envelope's trace.
        const trace = parseTraceparent(msg.headers?.get(TRACEPARENT));
        (trace ? tracedLogger(this.log, trace) : this.log).warn({ subject: msg.subject, id }, `outbound envelope refused: ${message}`);
        const receipt = this.receipts.failed(channel, account, id, { code: 'E_UNKNOWN_ACCOUNT', message, retryable: false }, 0);
        this.receipts.publish(receipt, msg.subject.replace(`${prefix}.out.`, `${prefix}.receipt.`), trace);
        this.jsm.streams
          .purge(this.subjects.outStream, { filter: msg.subject })
          .catch((e: Error) => this.log.debug({ err: e.message }, 'purge of unrouted subject failed'));
      },
    });
  }

  stop(): void {
    this.sub?.unsubscribe();
  }
}

import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { ErrorCode, Receipt } from '../contract/schemas';
import type { Subjects } from '../contract/subjects';
import type { Metrics } from '../http/metrics';
import { TRACEPARENT, formatTraceparent, type TraceContext } from '../trace/context';

export interface ReceiptError {
  code: ErrorCode;
  message: string;
  platformCode?: number | string;
  retryable: boolean;
}

/** Builds receipts and publishes them on `<prefix>.receipt.<channel>.<account>`. */
export class ReceiptPublisher {
  private flushing?: Promise<void>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly metrics: Metrics,
  ) {}

  ok(channel: string, account: string, id: string, messageIds: string[], attempts: number): Receipt {
    return { v: 1, kind: 'receipt', id, channel, account, ok: true, messageIds, attempts, time: new Date().toISOString() };
  }

  failed(channel: string, account: string, id: string | undefined, error: ReceiptError, attempts: number): Receipt {
    const r: Receipt = {
      v: 1,
      kind: 'receipt',
      channel,
      account,
      ok: false,
      attempts,
      time: new Date().toISOString(),
      error: { ...error },
    };
    if (id !== undefined) r.id = id;
    return r;
  }

  /**
   * Publishes on the receipt subject of the receipt's channel and account (tokens taken as given), with
   * a `traceparent` header when the envelope's delivery was traced, so the receipt joins its trace.
   */
  publish(receipt: Receipt, subject = this.subjects.receipt(receipt.channel, receipt.account), trace?: TraceContext, again = false): void {
    if (!again)
      this.metrics.receipts.inc({
        channel: receipt.channel,
        account: receipt.account,
        result: receipt.ok ? 'ok' : 'failed',
        code: receipt.error?.code ?? '',
      });
    if (!trace) return this.nc.publish(subject, JSON.stringify(receipt));
    const h = headers();
    h.set(TRACEPARENT, formatTraceparent(trace));
    this.nc.publish(subject, JSON.stringify(receipt), { headers: h });
  }

  /**
   * Resolves once the NATS server has every receipt published so far (one flush for all those of the
   * same moment); rejects when the connection dropped first, its server gone: then what was in flight
   * may be lost, and the caller publishes it again (sent once the client reconnected).
   */
  confirmed(): Promise<void> {
    return (this.flushing ??= new Promise<void>((r) => setImmediate(r)).then(() => {
      this.flushing = undefined;
      return this.nc.flush();
    }));
  }
}

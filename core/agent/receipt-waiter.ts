import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Receipt } from '../contract/schemas';
import { AgentError } from './agent-error';

interface Waiter {
  resolve(receipt: Receipt): void;
  reject(err: AgentError): void;
  timer: NodeJS.Timeout;
}

const keyOf = (channel: string, account: string, id: string) => `${channel}\u0000${account}\u0000${id}`;

/**
 * Matches receipts to the envelopes this client published. One subscription on `<prefix>.receipt.>`,
 * opened before anything is published, so no receipt can arrive before someone waits for it.
 */
export class ReceiptWaiter {
  private readonly pending = new Map<string, Waiter[]>();
  private sub?: Subscription;

  constructor(
    private readonly nc: NatsConnection,
    private readonly prefix: string,
    private readonly timeoutMs: number,
  ) {}

  /** Subscribes and makes sure the server registered the subscription. */
  async start(): Promise<void> {
    this.sub = this.nc.subscribe(`${this.prefix}.receipt.>`, {
      callback: (err, msg) => {
        if (!err) this.settle(msg.string());
      },
    });
    await this.nc.flush();
  }

  /**
   * Registers interest in the receipt of `id` sent to `channel`/`account`; call before publishing.
   * Resolves with an ok receipt, rejects with an `AgentError` for a failed one or after the timeout.
   */
  expect(channel: string, account: string, id: string): Promise<Receipt> {
    const key = keyOf(channel, account, id);
    return new Promise<Receipt>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.remove(key, waiter);
        const where = `${this.prefix}.receipt.${channel}.${account}`;
        reject(
          new AgentError(
            'E_TIMEOUT',
            `no receipt for "${id}" on ${where} within ${this.timeoutMs} ms: is a gateway running with nats.prefix "${this.prefix}"? It may still deliver the envelope; sending it again with the same id is safe`,
            { retryable: true, id },
          ),
        );
      }, this.timeoutMs);
      const waiter: Waiter = { resolve, reject, timer };
      const list = this.pending.get(key) ?? [];
      list.push(waiter);
      this.pending.set(key, list);
    });
  }

  /** Unsubscribes and rejects every pending wait with `E_CLOSED`. */
  close(): void {
    this.sub?.unsubscribe();
    for (const list of this.pending.values()) {
      for (const w of list) {
        clearTimeout(w.timer);
        w.reject(new AgentError('E_CLOSED', 'the agent client closed before the receipt arrived', { retryable: true }));
      }
    }
    this.pending.clear();
  }

  private settle(data: string): void {
    let receipt: Receipt;
    try {
      receipt = JSON.parse(data) as Receipt;
    } catch {
      return;
    }
    this.deliver(receipt);
  }

  /** Settles the waits for a receipt obtained another way (the outbox, for an envelope sent twice). */
  deliver(receipt: Receipt): void {
    if (receipt?.kind !== 'receipt' || typeof receipt.id !== 'string') return;
    const key = keyOf(receipt.channel, receipt.account, receipt.id);
    const list = this.pending.get(key);
    if (!list) return;
    this.pending.delete(key);
    for (const w of list) {
      clearTimeout(w.timer);
      if (receipt.ok) w.resolve(receipt);
      else w.reject(AgentError.fromReceipt(receipt));
    }
  }

  private remove(key: string, waiter: Waiter): void {
    const rest = (this.pending.get(key) ?? []).filter((w) => w !== waiter);
    if (rest.length) this.pending.set(key, rest);
    else this.pending.delete(key);
  }
}

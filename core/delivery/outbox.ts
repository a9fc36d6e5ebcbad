import type { KV } from '@nats-io/kv';
import type { Receipt } from '../contract/schemas';
import { BoundedMap } from '../plugin/bounded-map';
import { hashId } from '../plugin/text';

/** A button as core remembers it with its message: what a click on its token stands for. */
export interface StoredAction {
  token: string;
  id: string;
  value?: string;
}

/** What core remembers of a message an envelope created: what `edit`, `delete` and button clicks need. */
export interface MessageRecord {
  /** The per-conversation queue the creating envelope went through: its edits and deletes go the same way. */
  key: string;
  conversation?: string;
  replyTo?: string;
  messageIds: string[];
  /** Opened with `stream: true` and not finished yet. */
  streaming: boolean;
  /** The plugin's state of the message (`SendResult.handle`, the last `EditResult.handle`). */
  handle?: unknown;
  /** The buttons on the message now (token, id, value): a click on any other token is refused. */
  actions?: StoredAction[];
  /** Recalled with `delete`. */
  deleted?: boolean;
}

/** One delivered envelope: its receipt (repeated if the envelope comes again), and the message it created. */
export interface OutboxRecord {
  receipt: Receipt;
  message?: MessageRecord;
}

/** A button's token, recorded before the message goes out: which message it is on, and which of its buttons. */
export interface ActionRecord {
  envelope: string;
  index: number;
  conversation?: string;
}

/**
 * The outbox bucket of one account: every delivered envelope by id (so an id is never delivered twice
 * and `edit`/`delete` find the message it created), and the tokens of the buttons sent. Shared by all
 * replicas; entries expire after `delivery.remember`.
 */
export class Outbox {
  /**
   * Records being written (or whose write failed and is tried again): a read of one waits for nothing
   * and sees what is about to be stored. Bounded, for a NATS that refuses writes for long.
   */
  private readonly writing = new BoundedMap<string, OutboxRecord>(10_000);

  constructor(
    private readonly kv: KV,
    private readonly channel: string,
    private readonly account: string,
  ) {}

  /** The record of envelope `id`, or undefined when it was never delivered (or expired). */
  async get(id: string): Promise<OutboxRecord | undefined> {
    const written = this.writing.get(id);
    if (written) return written;
    const entry = await this.kv.get(this.envelopeKey(id));
    if (!entry || entry.operation !== 'PUT') return undefined;
    const value = entry.json<OutboxRecord | Receipt>();
    // Written by a gateway before plugin API 1.2: the receipt alone.
    return 'kind' in value && value.kind === 'receipt' ? { receipt: value } : (value as OutboxRecord);
  }

  /**
   * Stores the record of envelope `id`. The write goes on the connection at once (before anything the
   * caller sends after this call, such as the envelope's ack); until the server confirms it, `get(id)`
   * answers from memory.
   */
  async put(id: string, record: OutboxRecord): Promise<void> {
    this.writing.set(id, record);
    await this.kv.put(this.envelopeKey(id), JSON.stringify(record));
    if (this.writing.get(id) === record) this.writing.delete(id);
  }

  async putAction(token: string, record: ActionRecord): Promise<void> {
    await this.kv.put(this.actionKey(token), JSON.stringify(record));
  }

  async getAction(token: string): Promise<ActionRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{1,24}$/.test(token)) return undefined;
    const entry = await this.kv.get(this.actionKey(token));
    return entry && entry.operation === 'PUT' ? entry.json<ActionRecord>() : undefined;
  }

  /** The key of an envelope's record; the agent client reads receipts of resent envelopes by it too. */
  envelopeKey(id: string): string {
    return outboxKey(this.channel, this.account, id);
  }

  private actionKey(token: string): string {
    return `${this.channel}.${this.account}.action.${token}`;
  }
}

/** `<channel>.<account>.<id, or its hash when it is not a plain token>`. */
export function outboxKey(channel: string, account: string, id: string): string {
  return `${channel}.${account}.${hashId(id, 64)}`;
}

/** The receipt in an outbox value, whichever gateway version wrote it. */
export function receiptOf(value: OutboxRecord | Receipt): Receipt {
  return 'kind' in value && value.kind === 'receipt' ? value : (value as OutboxRecord).receipt;
}

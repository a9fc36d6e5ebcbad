/**
 * Envelope delivery over Socket Mode, as Slack does it: each attempt is an envelope (`events_api`,
 * `interactive`, `slash_commands`) with a fresh `envelope_id` on one of the app's connections; no ack
 * within the ack timeout (or no connection) fails the attempt, and it is sent again (events with
 * `retry_attempt` + 1 and `retry_reason: "timeout"`) until the retry schedule runs out. An ack after its
 * attempt timed out is recorded as late.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Connection, SocketHub } from './socket';
import type { DeliveryOutcome, DeliveryRecord, EnvelopeType, PushOptions } from './types';

/** What one delivery carries: the envelope type and payload, and how records name it. */
export interface Outgoing {
  type: EnvelopeType;
  payload: object;
  /** Stable across retries: the event_id, or an interaction's trigger_id. */
  key: string;
  eventType: string;
  eventTs?: string;
  /** Slack says a response payload is welcome in the ack (slash commands). */
  acceptsResponsePayload?: boolean;
}

interface Waiter {
  record: DeliveryRecord;
  resolve: (acked: boolean) => void;
}

/** Events: 'delivery' (DeliveryRecord, when sent), 'ack' (DeliveryRecord), 'lateAck' ({envelopeId}), 'outcome' (DeliveryOutcome). */
export class EventDelivery extends EventEmitter {
  readonly records: DeliveryRecord[] = [];
  readonly lateAcks: string[] = [];
  private readonly waiting = new Map<string, Waiter>();
  private readonly sleeping = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private closed = false;

  constructor(
    private readonly hub: SocketHub,
    private readonly defaults: () => { ackTimeoutMs: number; retryDelaysMs: number[] },
  ) {
    super();
    hub.on('message', ({ conn, data }: { conn: Connection; data: string }) => this.onMessage(conn, data));
    hub.on('close', (conn: Connection) => {
      for (const w of this.waiting.values()) if (w.record.connectionId === conn.id) this.finish(w, 'closed');
    });
  }

  /** Delivers an envelope until acked or out of retries; `firstAttempt` continues an earlier delivery's count. */
  async deliver(appId: string, out: Outgoing, opts: PushOptions = {}, firstAttempt = 0): Promise<DeliveryOutcome> {
    const d = this.defaults();
    const delays = opts.retryDelaysMs ?? d.retryDelaysMs;
    const envelopeIds: string[] = [];
    for (let n = 0; ; n++) {
      const attempt = firstAttempt + n;
      const acked = await this.attempt(appId, out, attempt, opts.ackTimeoutMs ?? d.ackTimeoutMs, envelopeIds);
      if (acked || this.closed || n >= delays.length) {
        const outcome: DeliveryOutcome = { eventId: out.key, appId, acked, attempts: n + 1, envelopeIds };
        this.emit('outcome', outcome);
        return outcome;
      }
      await this.sleep(delays[n]!);
    }
  }

  private attempt(appId: string, out: Outgoing, retryAttempt: number, ackTimeoutMs: number, envelopeIds: string[]): Promise<boolean> {
    const envelopeId = randomUUID();
    envelopeIds.push(envelopeId);
    const conn = this.hub.pick(appId);
    const record: DeliveryRecord = {
      type: out.type,
      eventId: out.key,
      eventType: out.eventType,
      ...(out.eventTs ? { eventTs: out.eventTs } : {}),
      envelopeId,
      appId,
      retryAttempt,
      sentAt: Date.now(),
      outcome: 'pending',
      ...(conn ? { connectionId: conn.id } : {}),
    };
    this.records.push(record);
    if (!conn || this.closed) {
      record.outcome = 'no_connection';
      this.emit('delivery', record);
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      const waiter: Waiter = { record, resolve };
      this.waiting.set(envelopeId, waiter);
      const timer = setTimeout(() => this.finish(waiter, 'timeout'), ackTimeoutMs);
      waiter.resolve = (acked) => {
        clearTimeout(timer);
        resolve(acked);
      };
      const retry = out.type === 'events_api' ? { retry_attempt: retryAttempt, retry_reason: retryAttempt > 0 ? 'timeout' : '' } : {};
      conn.socket.send(
        JSON.stringify({
          envelope_id: envelopeId,
          payload: out.payload,
          type: out.type,
          accepts_response_payload: out.acceptsResponsePayload ?? false,
          ...retry,
        }),
      );
      this.emit('delivery', record);
    });
  }

  private finish(w: Waiter, outcome: DeliveryRecord['outcome'], ackPayload?: unknown): void {
    if (w.record.outcome !== 'pending') return;
    w.record.outcome = outcome;
    if (ackPayload !== undefined) w.record.ackPayload = ackPayload;
    this.waiting.delete(w.record.envelopeId);
    if (outcome === 'acked') this.emit('ack', w.record);
    w.resolve(outcome === 'acked');
  }

  private onMessage(conn: Connection, data: string): void {
    let msg: { envelope_id?: unknown; payload?: unknown };
    try {
      msg = JSON.parse(data) as typeof msg;
    } catch {
      this.hub.emit('protocolError', { appId: conn.appId, error: new Error(`client sent a non-JSON message: ${data.slice(0, 100)}`) });
      return;
    }
    if (typeof msg.envelope_id !== 'string') {
      this.hub.emit('protocolError', { appId: conn.appId, error: new Error(`client message without envelope_id: ${data.slice(0, 100)}`) });
      return;
    }
    const w = this.waiting.get(msg.envelope_id);
    if (w) return this.finish(w, 'acked', msg.payload);
    if (this.records.some((r) => r.envelopeId === msg.envelope_id)) {
      // Acked after Slack gave up on the attempt: Slack ignores it (the retry is already on its way).
      this.lateAcks.push(msg.envelope_id);
      this.emit('lateAck', { envelopeId: msg.envelope_id });
      return;
    }
    this.hub.emit('protocolError', { appId: conn.appId, error: new Error(`ack of an unknown envelope_id ${msg.envelope_id}`) });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleeping.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.sleeping.add(entry);
    });
  }

  close(): void {
    this.closed = true;
    for (const s of this.sleeping) {
      clearTimeout(s.timer);
      s.resolve();
    }
    this.sleeping.clear();
    for (const w of [...this.waiting.values()]) this.finish(w, 'closed');
  }
}

/**
 * Event delivery over long connections: framing (with optional fragmentation), round-robin over an
 * app's connections, matching the SDK's ack frames, timeouts and Feishu-style redelivery of events
 * that were not acknowledged with code 200.
 */
import { EventEmitter } from 'node:events';
import { hex } from './ids';
import { headerValue, type Frame } from './pbbp2';
import type { AckResult, PushOptions } from './types';
import type { Connection, WsGateway } from './ws-gateway';

/** Rejection of {@link EventDelivery.push} when no ack arrived in time. */
export class AckTimeoutError extends Error {
  constructor(
    readonly frameMessageId: string,
    readonly timeoutMs: number,
  ) {
    super(`no ack for frame ${frameMessageId} within ${timeoutMs} ms`);
    this.name = 'AckTimeoutError';
  }
}

/** One delivery attempt. */
export interface DeliveryRecord {
  appId: string;
  eventId?: string;
  frameMessageId: string;
  connectionId: string;
  attempt: number;
  fragments: number;
  sentAt: number;
  ack?: AckResult;
  timedOut?: boolean;
}

interface Pending {
  record: DeliveryRecord;
  connectionIndex: number;
  resolve: (r: AckResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const eventIdOf = (event: unknown): string | undefined => (event as { header?: { event_id?: string } } | null)?.header?.event_id;

/** Emits 'ack' (AckResult), 'timeout' (DeliveryRecord), 'redelivery' (DeliveryRecord). */
export class EventDelivery extends EventEmitter {
  readonly deliveries: DeliveryRecord[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly rr = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly lastConnection = new WeakMap<Promise<AckResult>, string>();

  constructor(
    private readonly gateway: WsGateway,
    private readonly defaultTimeoutMs: () => number,
  ) {
    super();
    gateway.on('ack', (conn: Connection, frame: Frame) => this.onAck(conn, frame));
  }

  /** Deliver `event` once; with `redeliverUnacked`, failed attempts are retried in the background. */
  push(appId: string, event: unknown, opts: PushOptions = {}, attempt = 1): Promise<AckResult> {
    const result = this.attempt(appId, event, opts, attempt);
    const policy = opts.redeliverUnacked;
    if (policy && attempt <= policy.times) {
      const again = (): void => {
        const t = setTimeout(() => {
          this.timers.delete(t);
          // Redeliver over the next connection after the one that failed (the same one when it is alone).
          const conns = this.gateway.connections(appId);
          const prev = conns.findIndex((c) => c.id === this.lastConnection.get(result));
          const next = conns.length > 0 ? (prev + 1) % conns.length : undefined;
          this.push(appId, event, { ...opts, connection: next }, attempt + 1).catch(() => undefined);
        }, policy.afterMs);
        this.timers.add(t);
      };
      result.then((r) => (r.code === 200 ? undefined : again()), again);
    }
    return result;
  }

  private attempt(appId: string, event: unknown, opts: PushOptions, attempt: number): Promise<AckResult> {
    const conns = this.gateway.connections(appId);
    if (conns.length === 0) return Promise.reject(new Error(`no long connection for app ${appId}`));
    let index: number;
    if (opts.connection !== undefined) {
      if (opts.connection < 0 || opts.connection >= conns.length) {
        return Promise.reject(new Error(`app ${appId} has no connection #${opts.connection} (has ${conns.length})`));
      }
      index = opts.connection;
    } else {
      index = (this.rr.get(appId) ?? 0) % conns.length;
      this.rr.set(appId, index + 1);
    }
    const conn = conns[index];
    const payload = Buffer.from(JSON.stringify(event), 'utf8');
    const sum = Math.max(1, Math.min(opts.fragments ?? 1, payload.length));
    const frameMessageId = hex(16);
    const traceId = hex(16);
    const record: DeliveryRecord = {
      appId,
      eventId: eventIdOf(event),
      frameMessageId,
      connectionId: conn.id,
      attempt,
      fragments: sum,
      sentAt: Date.now(),
    };
    this.deliveries.push(record);
    if (attempt > 1) this.emit('redelivery', record);
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs();
    const promise = new Promise<AckResult>((resolve, reject) => {
      // Not a millisecond early: a timer may fire before the clock shows its delay has passed.
      const deadline = record.sentAt + timeoutMs;
      const expire = () => {
        const left = deadline - Date.now();
        if (left > 0) {
          entry.timer = setTimeout(expire, left);
          return;
        }
        this.pending.delete(frameMessageId);
        record.timedOut = true;
        this.emit('timeout', record);
        reject(new AckTimeoutError(frameMessageId, timeoutMs));
      };
      const entry = { record, connectionIndex: index, resolve, reject, timer: setTimeout(expire, timeoutMs) };
      this.pending.set(frameMessageId, entry);
    });
    this.lastConnection.set(promise, conn.id);
    const size = Math.ceil(payload.length / sum);
    for (let seq = 0; seq < sum; seq++) {
      const chunk = payload.subarray(seq * size, Math.min(payload.length, (seq + 1) * size));
      const headers = [
        { key: 'type', value: opts.type ?? 'event' },
        { key: 'message_id', value: frameMessageId },
        { key: 'sum', value: String(sum) },
        { key: 'seq', value: String(seq) },
        { key: 'trace_id', value: traceId },
      ];
      this.gateway.send(conn, this.gateway.dataFrame(conn, headers, chunk));
      if (opts.dropAfterFragments !== undefined && seq + 1 >= opts.dropAfterFragments) {
        conn.ws.terminate();
        break;
      }
    }
    return promise;
  }

  private onAck(conn: Connection, frame: Frame): void {
    const id = headerValue(frame, 'message_id') ?? '';
    const p = this.pending.get(id);
    const record = p?.record ?? this.deliveries.find((d) => d.frameMessageId === id);
    let payload: Record<string, unknown> = {};
    try {
      payload = JSON.parse(Buffer.from(frame.payload ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>;
    } catch {
      this.gateway.emit('protocolError', { appId: conn.appId, error: new Error(`ack ${id} payload is not JSON`) });
    }
    let data: unknown = payload.data;
    if (typeof data === 'string') {
      try {
        data = JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
      } catch {
        /* keep the raw string */
      }
    }
    const ack: AckResult = {
      appId: conn.appId,
      connection: this.gateway.connections(conn.appId).indexOf(conn),
      connectionId: conn.id,
      code: typeof payload.code === 'number' ? payload.code : Number(payload.code),
      data,
      payload,
      frameMessageId: id,
      eventId: record?.eventId,
      bizRt: headerValue(frame, 'biz_rt'),
      frameType: headerValue(frame, 'type'),
      attempt: record?.attempt ?? 0,
      latencyMs: record ? Date.now() - record.sentAt : 0,
    };
    if (record) record.ack = ack;
    this.emit('ack', ack);
    if (p) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.resolve(ack);
    } else if (!record) {
      this.gateway.emit('protocolError', { appId: conn.appId, error: new Error(`ack for unknown frame ${id}`) });
    }
  }

  /** Cancel timers and reject everything still waiting (emulator stop). */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`emulator stopped before ack of ${id}`));
    }
    this.pending.clear();
  }
}

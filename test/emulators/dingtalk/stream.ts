/**
 * The Stream mode side: tickets from `POST /v1.0/gateway/connections/open`, one WebSocket per ticket,
 * SYSTEM frames (`CONNECTED`, `REGISTERED`, `ping` to be echoed, `KEEPALIVE`, `disconnect`), and
 * EVENT / CALLBACK frames pushed to one connection of the app, pushed again every
 * `redeliverIntervalMs` (to any connection of the app) until acknowledged or `redeliverForMs` passed.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { DownFrame, PushOutcome, Pushed } from './types';
import { refuseBadTicket, TicketedUpgrades } from '../shared/tickets';

export interface Subscription {
  type: string;
  topic: string;
}

export interface StreamConnection {
  id: string;
  clientId: string;
  socket: WebSocket;
  subscriptions: Subscription[];
}

interface Ticket {
  clientId: string;
  subscriptions: Subscription[];
}

interface Pending {
  pushed: Pushed;
  attempts: number;
  until: number;
  timer?: NodeJS.Timeout;
  settle: (o: PushOutcome) => void;
}

export interface HubOptions {
  redeliverIntervalMs: number;
  redeliverForMs: number;
  pingIntervalMs: number;
  ticketTtlMs: number;
}

/** Events: 'connection' / 'close' (StreamConnection), 'ack' ({messageId, data}), 'protocolError' ({clientId, error}). */
export class StreamHub extends EventEmitter {
  private readonly upgrades = new TicketedUpgrades<Ticket>();
  private readonly conns = new Map<string, StreamConnection[]>();
  private readonly pending = new Map<string, Pending>();
  /** SYSTEM pings waiting for their echo, by messageId. */
  private readonly pings = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private rr = 0;
  readonly protocolErrors: Array<{ clientId: string; error: Error }> = [];
  /** The messageId of every EVENT / CALLBACK frame sent, redeliveries included, in order. */
  readonly pushes: string[] = [];

  constructor(public opts: HubOptions) {
    super();
  }

  issueTicket(clientId: string, subscriptions: Subscription[]): string {
    return this.upgrades.issue({ clientId, subscriptions }, this.opts.ticketTtlMs);
  }

  connections(clientId: string): StreamConnection[] {
    return this.conns.get(clientId) ?? [];
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { url, ticket } = this.upgrades.redeem(req);
    if (url.pathname !== '/connect' || !ticket) return refuseBadTicket(socket);
    this.upgrades.accept(req, socket, head, (ws) => this.accept(ws, ticket));
  }

  private accept(socket: WebSocket, t: Ticket): void {
    const conn: StreamConnection = { id: randomUUID(), clientId: t.clientId, socket, subscriptions: t.subscriptions };
    const list = this.conns.get(t.clientId) ?? [];
    list.push(conn);
    this.conns.set(t.clientId, list);
    socket.on('message', (raw) => this.onUp(conn, raw.toString()));
    socket.on('close', () => {
      this.conns.set(
        t.clientId,
        (this.conns.get(t.clientId) ?? []).filter((c) => c !== conn),
      );
      this.emit('close', conn);
    });
    socket.on('error', () => undefined);
    this.system(conn, 'CONNECTED', {});
    this.system(conn, 'REGISTERED', {});
    if (this.opts.pingIntervalMs > 0) {
      const timer = setInterval(() => {
        if (socket.readyState !== socket.OPEN) return clearInterval(timer);
        const id = this.system(conn, 'ping', { opaque: randomUUID() });
        this.pings.add(id);
      }, this.opts.pingIntervalMs);
      this.timers.add(timer);
      socket.on('close', () => {
        clearInterval(timer);
        this.timers.delete(timer);
      });
    }
    this.emit('connection', conn);
  }

  /** Sends a SYSTEM frame; returns its messageId. */
  system(conn: StreamConnection, topic: string, data: unknown): string {
    const messageId = randomUUID();
    const frame: DownFrame = {
      specVersion: '1.0',
      type: 'SYSTEM',
      headers: { contentType: 'application/json', messageId, time: String(Date.now()), topic },
      data: JSON.stringify(data),
    };
    conn.socket.send(JSON.stringify(frame));
    return messageId;
  }

  /** Tells every connection of the app to go (`disconnect`), then closes them after `graceMs`. */
  disconnectAll(clientId: string, graceMs = 200): void {
    for (const conn of this.connections(clientId)) {
      this.system(conn, 'disconnect', { reason: 'server is restarting' });
      const timer = setTimeout(() => conn.socket.close(1000, 'disconnect'), graceMs);
      this.timers.add(timer);
    }
  }

  /** Drops every connection of the app without a word (a network failure). */
  dropAll(clientId: string): void {
    for (const conn of this.connections(clientId)) conn.socket.terminate();
  }

  /** Pushes an EVENT or CALLBACK frame to the app; pushed again until acknowledged. */
  push(
    clientId: string,
    type: 'EVENT' | 'CALLBACK',
    topic: string,
    payload: Record<string, unknown>,
    extra: Record<string, string> = {},
  ): Pushed {
    const messageId = randomUUID();
    const frame: DownFrame = {
      specVersion: '1.0',
      type,
      headers: { appId: clientId, contentType: 'application/json', messageId, time: String(Date.now()), topic, ...extra },
      data: JSON.stringify(payload),
    };
    let settle!: (o: PushOutcome) => void;
    const outcome = new Promise<PushOutcome>((resolve) => (settle = resolve));
    const pushed: Pushed = { messageId, frame, payload, outcome };
    const p: Pending = { pushed, attempts: 0, until: Date.now() + this.opts.redeliverForMs, settle };
    this.pending.set(messageId, p);
    this.attempt(clientId, p);
    return pushed;
  }

  /** Pushes a frame again now, as DingTalk does when it saw no acknowledgement (already acked ones too). */
  redeliver(clientId: string, pushed: Pushed): Promise<PushOutcome> {
    let p = this.pending.get(pushed.messageId);
    if (!p) {
      let settle!: (o: PushOutcome) => void;
      const outcome = new Promise<PushOutcome>((resolve) => (settle = resolve));
      p = { pushed: { ...pushed, outcome }, attempts: 0, until: Date.now() + this.opts.redeliverForMs, settle };
      this.pending.set(pushed.messageId, p);
    } else if (p.timer) {
      clearTimeout(p.timer);
      this.timers.delete(p.timer);
    }
    this.attempt(clientId, p);
    return p.pushed.outcome;
  }

  private attempt(clientId: string, p: Pending): void {
    const subscribed = this.connections(clientId).filter((c) =>
      c.subscriptions.some((s) => s.type === p.pushed.frame.type && (s.topic === '*' || s.topic === p.pushed.frame.headers.topic)),
    );
    const conn = subscribed.length ? subscribed[this.rr++ % subscribed.length] : undefined;
    if (conn) {
      p.attempts++;
      this.pushes.push(p.pushed.messageId);
      conn.socket.send(JSON.stringify(p.pushed.frame));
    }
    if (Date.now() >= p.until) {
      this.pending.delete(p.pushed.messageId);
      p.settle({ acked: false, attempts: p.attempts });
      return;
    }
    p.timer = setTimeout(() => {
      this.timers.delete(p.timer!);
      if (this.pending.has(p.pushed.messageId)) this.attempt(clientId, p);
    }, this.opts.redeliverIntervalMs);
    this.timers.add(p.timer);
  }

  private onUp(conn: StreamConnection, raw: string): void {
    let msg: { code?: unknown; headers?: { messageId?: unknown; contentType?: unknown }; message?: unknown; data?: unknown };
    try {
      msg = JSON.parse(raw) as typeof msg;
    } catch {
      return this.protocolError(conn, `an upstream frame is not JSON: ${raw.slice(0, 80)}`);
    }
    const id = msg.headers?.messageId;
    if (msg.code !== 200 || typeof id !== 'string' || msg.message !== 'OK' || typeof msg.data !== 'string')
      return this.protocolError(
        conn,
        `an acknowledgement needs {code: 200, headers: {messageId}, message: 'OK', data: string}: ${raw.slice(0, 200)}`,
      );
    if (this.pings.delete(id)) return;
    const p = this.pending.get(id);
    if (!p) return; // a late acknowledgement of a frame already settled: DingTalk ignores it too
    if (p.timer) {
      clearTimeout(p.timer);
      this.timers.delete(p.timer);
    }
    this.pending.delete(id);
    let data: unknown = msg.data;
    try {
      data = JSON.parse(msg.data);
    } catch {
      // kept as the string it is
    }
    this.emit('ack', { messageId: id, data });
    p.settle({ acked: true, attempts: p.attempts, response: data });
  }

  private protocolError(conn: StreamConnection, message: string): void {
    const error = new Error(message);
    this.protocolErrors.push({ clientId: conn.clientId, error });
    this.emit('protocolError', { clientId: conn.clientId, error });
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const p of this.pending.values()) p.settle({ acked: false, attempts: p.attempts });
    this.pending.clear();
    for (const list of this.conns.values()) for (const c of list) c.socket.terminate();
    this.conns.clear();
    await this.upgrades.close();
  }
}

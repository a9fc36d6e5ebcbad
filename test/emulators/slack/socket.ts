/**
 * Socket Mode's WebSocket side: single-use connection URLs from apps.connections.open, `hello` on
 * connect, server pings, envelopes out and `{envelope_id, payload}` acks in, `disconnect` messages
 * (`refresh_requested`, `link_disabled`, `too_many_websockets`), and abrupt drops.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { refuseBadTicket, TicketedUpgrades } from '../shared/tickets';

export interface Connection {
  id: string;
  appId: string;
  socket: WebSocket;
  connectedAt: number;
  /** Closed by a `disconnect` the server sent, or by the client. */
  closing: boolean;
}

export interface SocketOptions {
  pingIntervalMs: number;
  maxConnectionsPerApp: number;
  ticketTtlMs: number;
  disconnectGraceMs: number;
}

/** Events: 'connection' (Connection), 'close' (Connection), 'message' ({conn, data}), 'protocolError' ({appId, error}). */
export class SocketHub extends EventEmitter {
  /** Tickets stand for the app they were issued to. */
  private readonly upgrades = new TicketedUpgrades<string>();
  private readonly conns = new Map<string, Connection[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Every accepted socket, refused ones included, so stopping can close them all. */
  private readonly sockets = new Set<WebSocket>();
  private rr = 0;

  constructor(private readonly opts: SocketOptions) {
    super();
  }

  /** A Socket Mode URL for the app, good for one connection within the ticket lifetime. */
  issueUrl(appId: string, wsBase: string): string {
    const ticket = this.upgrades.issue(appId, this.opts.ticketTtlMs);
    return `${wsBase}/link/?ticket=${ticket}&app_id=${appId}`;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { url, ticket: appId } = this.upgrades.redeem(req);
    if (url.pathname.replace(/\/$/, '') !== '/link' || !appId) return refuseBadTicket(socket);
    this.upgrades.accept(req, socket, head, (ws) => this.accept(appId, ws));
  }

  private accept(appId: string, socket: WebSocket): void {
    const list = this.conns.get(appId) ?? [];
    const conn: Connection = { id: randomBytes(6).toString('hex'), appId, socket, connectedAt: Date.now(), closing: false };
    socket.on('error', () => undefined);
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    if (list.length >= this.opts.maxConnectionsPerApp) {
      this.sendDisconnect(conn, 'too_many_websockets');
      return;
    }
    list.push(conn);
    this.conns.set(appId, list);
    const ping = setInterval(() => socket.ping(Buffer.from(`ping-${Date.now()}`)), this.opts.pingIntervalMs);
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        this.emit('protocolError', { appId, error: new Error('binary frame from client') });
        return;
      }
      this.emit('message', { conn, data: data.toString() });
    });
    socket.on('close', () => {
      clearInterval(ping);
      const now = this.conns.get(appId) ?? [];
      this.conns.set(
        appId,
        now.filter((c) => c !== conn),
      );
      this.emit('close', conn);
    });
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: list.length,
        debug_info: { host: `applink-${conn.id.slice(0, 4)}`, build_number: 118, approximate_connection_time: 18060 },
        connection_info: { app_id: appId },
      }),
    );
    this.emit('connection', conn);
  }

  connections(appId: string): Connection[] {
    return (this.conns.get(appId) ?? []).filter((c) => !c.closing && c.socket.readyState === c.socket.OPEN);
  }

  /** The next open connection of the app, round robin (Slack spreads events over an app's connections). */
  pick(appId: string): Connection | undefined {
    const list = this.connections(appId);
    if (list.length === 0) return undefined;
    return list[this.rr++ % list.length];
  }

  /** Sends `{type:'disconnect', reason}`; closes the socket after the grace period if the client has not. */
  sendDisconnect(conn: Connection, reason: string): void {
    conn.closing = true;
    conn.socket.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: `applink-${conn.id.slice(0, 4)}` } }));
    const grace = reason === 'refresh_requested' ? this.opts.disconnectGraceMs : 0;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (conn.socket.readyState === conn.socket.OPEN) conn.socket.close(1000);
    }, grace);
    this.timers.add(t);
  }

  disconnect(appId: string, reason: string): number {
    const list = this.connections(appId);
    for (const c of list) this.sendDisconnect(c, reason);
    return list.length;
  }

  /** Destroys the TCP sockets: no close frame, as when a network path dies. */
  drop(appId: string): number {
    const list = this.conns.get(appId) ?? [];
    for (const c of list) c.socket.terminate();
    return list.length;
  }

  closeAll(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const socket of this.sockets) socket.terminate();
    this.sockets.clear();
    this.conns.clear();
    void this.upgrades.close();
  }
}

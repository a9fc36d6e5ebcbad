/**
 * What the emulators whose clients connect to a URL they were handed (DingTalk's Stream mode, Slack's
 * Socket Mode, Feishu's long connection) do alike: the URL carries a single-use ticket that expires, and
 * the WebSocket upgrade uses it up.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export class TicketedUpgrades<T> {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Map<string, { value: T; expires: number }>();

  /** A new ticket for `value`, good for one connection within `ttlMs`. */
  issue(value: T, ttlMs: number): string {
    const ticket = randomUUID();
    this.tickets.set(ticket, { value, expires: Date.now() + ttlMs });
    return ticket;
  }

  /**
   * The upgrade request's URL, and what its `ticket` parameter was issued for. The ticket is used up
   * whatever the caller decides; `ticket` is undefined when it is unknown, used or expired.
   */
  redeem(req: IncomingMessage): { url: URL; ticket: T | undefined } {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const id = url.searchParams.get('ticket') ?? '';
    const t = this.tickets.get(id);
    this.tickets.delete(id);
    return { url, ticket: t && t.expires >= Date.now() ? t.value : undefined };
  }

  /** Completes the upgrade: the client's WebSocket goes to `accept`. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, accept: (ws: WebSocket) => void): void {
    this.wss.handleUpgrade(req, socket, head, accept);
  }

  /** Takes no more upgrades (the sockets already accepted are the caller's to close). */
  close(): Promise<void> {
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

/** Refuses an upgrade with 401 "invalid or expired ticket", as DingTalk and Slack answer a bad ticket. */
export function refuseBadTicket(socket: Duplex): void {
  socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\ninvalid or expired ticket');
}

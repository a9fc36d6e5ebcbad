/**
 * The long-connection gateway: the WebSocket server behind the URL that /callback/ws/endpoint hands
 * out, speaking pbbp2 frames.
 *
 * - URL: `ws://host/ws/v2?fpid=…&aid=…&device_id=…&access_key=…&service_id=…&ticket=…` (query order as in
 *   real URLs; the Node SDK reads device_id/service_id with `qs.parse` on the whole URL, so they must not
 *   come first). Tickets are single use and expire.
 * - Handshake refusals carry `Handshake-Status` / `Handshake-Msg` / `Handshake-Autherrcode` headers,
 *   as the official SDKs expect (514 + 1000040350 = too many connections).
 * - Control frames: a `ping` from the client is answered with a `pong` whose payload is the ClientConfig
 *   JSON. Data frames from the client are acks of delivered events (emitted as 'ack').
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { AppRegistry } from './apps';
import { Codes } from './errors';
import { digits, hex, randomU64 } from './ids';
import { decodeFrame, encodeFrame, FrameMethod, headerValue, type Frame } from './pbbp2';
import type { ClientConfig } from './types';
import { TicketedUpgrades } from '../shared/tickets';

/** One live long connection. */
export interface Connection {
  id: string;
  appId: string;
  ws: WebSocket;
  deviceId: string;
  serviceId: number;
  connectedAt: number;
  /** Pings received from the client. */
  pings: number;
  /**
   * True once the client's first ping arrived. The Node SDK sends that ping from its 'open' handler and
   * attaches its frame listener a few promise hops later, so frames sent at the very instant of the
   * handshake can be missed by the SDK; after the first ping they cannot.
   */
  ready: boolean;
  nextSeq: bigint;
}

interface Ticket {
  appId: string;
  deviceId: string;
  serviceId: number;
}

/** Events: 'connection' (Connection, on handshake), 'ready' (Connection, first ping), 'disconnect', 'ping',
 * 'ack' (Connection, Frame), 'protocolError' ({appId, error}). */
export class WsGateway extends EventEmitter {
  private readonly upgrades = new TicketedUpgrades<Ticket>();
  /** Live connections by app, each list in connect order (a scale run holds 10,000 apps: no scans of all). */
  private readonly live = new Map<string, Connection[]>();

  constructor(
    private readonly apps: AppRegistry,
    private readonly clientConfig: () => ClientConfig,
    private readonly ticketTtlMs: number,
  ) {
    super();
  }

  /** Issue a one-time connect URL for `appId` under `wsBase` (e.g. ws://127.0.0.1:1234). */
  issueUrl(appId: string, wsBase: string): string {
    const t: Ticket = { appId, deviceId: digits(19), serviceId: Number(digits(8)) };
    const ticket = this.upgrades.issue(t, this.ticketTtlMs);
    return (
      `${wsBase}/ws/v2?fpid=493&aid=552564&device_id=${t.deviceId}&access_key=${hex(16)}` + `&service_id=${t.serviceId}&ticket=${ticket}`
    );
  }

  /** Live connections of an app, in connect order. */
  connections(appId: string): Connection[] {
    return [...(this.live.get(appId) ?? [])];
  }

  private forget(conn: Connection): boolean {
    const conns = this.live.get(conn.appId);
    const i = conns?.indexOf(conn) ?? -1;
    if (i < 0) return false;
    conns!.splice(i, 1);
    if (!conns!.length) this.live.delete(conn.appId);
    return true;
  }

  /** Handle an HTTP upgrade aimed at /ws/v2. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { url, ticket: t } = this.upgrades.redeem(req);
    if (url.pathname !== '/ws/v2' || !t || url.searchParams.get('device_id') !== t.deviceId) {
      return refuse(socket, 514, 'invalid ticket');
    }
    const app = this.apps.get(t.appId);
    if (!app) return refuse(socket, 403, 'forbidden');
    if (app.connectionLimitStage === 'handshake' && this.connections(app.appId).length >= app.connectionLimit) {
      return refuse(socket, 514, Codes.wsExceedConnLimit.msg, Codes.wsExceedConnLimit.code);
    }
    this.upgrades.accept(req, socket, head, (ws) => this.accept(ws, t));
  }

  private accept(ws: WebSocket, t: Ticket): void {
    const conn: Connection = {
      id: `conn-${hex(4)}`,
      appId: t.appId,
      ws,
      deviceId: t.deviceId,
      serviceId: t.serviceId,
      connectedAt: Date.now(),
      pings: 0,
      ready: false,
      nextSeq: 1n,
    };
    const conns = this.live.get(conn.appId);
    if (conns) conns.push(conn);
    else this.live.set(conn.appId, [conn]);
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(conn, data, isBinary));
    ws.on('error', () => undefined);
    ws.on('close', () => {
      this.forget(conn);
      this.emit('disconnect', conn);
    });
    this.emit('connection', conn);
  }

  private onMessage(conn: Connection, data: Buffer, isBinary: boolean): void {
    let frame: Frame;
    try {
      if (!isBinary) throw new Error('text frame received; pbbp2 frames are binary');
      frame = decodeFrame(data);
    } catch (error) {
      this.emit('protocolError', { appId: conn.appId, error: error as Error });
      return;
    }
    const type = headerValue(frame, 'type');
    if (frame.method === FrameMethod.control) {
      if (type === 'ping') {
        conn.pings += 1;
        conn.ready = true;
        this.send(conn, {
          SeqID: 0n,
          LogID: 0n,
          service: frame.service,
          method: FrameMethod.control,
          headers: [{ key: 'type', value: 'pong' }],
          payload: Buffer.from(JSON.stringify(this.clientConfig())),
        });
        this.emit('ping', conn);
        if (conn.pings === 1) this.emit('ready', conn);
      }
      return;
    }
    if (frame.method === FrameMethod.data) this.emit('ack', conn, frame);
    else this.emit('protocolError', { appId: conn.appId, error: new Error(`unknown frame method ${frame.method}`) });
  }

  /** Send a frame on a connection; false when the socket is not open. */
  send(conn: Connection, frame: Frame): boolean {
    if (conn.ws.readyState !== WebSocket.OPEN) return false;
    conn.ws.send(encodeFrame(frame), { binary: true });
    return true;
  }

  /** Build a server → client data frame (seq numbers per connection, random LogID). */
  dataFrame(conn: Connection, headers: Frame['headers'], payload: Uint8Array): Frame {
    const seq = conn.nextSeq;
    conn.nextSeq += 1n;
    return { SeqID: seq, LogID: randomU64(), service: conn.serviceId, method: FrameMethod.data, headers, payload };
  }

  /** Abruptly drop the app's sockets (TCP reset, no close frame). */
  drop(appId: string): number {
    const conns = this.connections(appId);
    for (const c of conns) {
      this.forget(c);
      c.ws.terminate();
    }
    return conns.length;
  }

  /** Terminate everything (emulator stop). */
  closeAll(): void {
    for (const c of [...this.live.values()].flat()) c.ws.terminate();
    void this.upgrades.close();
  }
}

function refuse(socket: Duplex, status: number, msg: string, authErrCode?: number): void {
  const lines = [
    'HTTP/1.1 403 Forbidden',
    `Handshake-Status: ${status}`,
    `Handshake-Msg: ${msg}`,
    ...(authErrCode !== undefined ? [`Handshake-Autherrcode: ${authErrCode}`] : []),
    'Content-Length: 0',
    'Connection: close',
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n`);
}

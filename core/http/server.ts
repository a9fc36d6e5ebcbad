import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { HttpRoutes, RouteHandler, UpgradeHandler } from '../plugin/types';

export interface Probe {
  ready(): { ready: boolean; detail: Record<string, unknown> };
  metrics(): string;
}

/** The gateway's HTTP server: health, readiness, metrics, and the routes plugins register. */
export class HttpServer {
  private readonly server: Server;
  private readonly routes = new Map<string, RouteHandler>();
  private readonly upgrades = new Map<string, UpgradeHandler>();
  private address = '';

  constructor(
    private readonly listen: string,
    private readonly probe: Probe,
    private readonly log: Logger,
  ) {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('upgrade', (req, socket, head) => this.handleUpgrade(req, socket, head));
  }

  async start(): Promise<string> {
    const i = this.listen.lastIndexOf(':');
    const host = this.listen.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0';
    const port = Number(this.listen.slice(i + 1));
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address();
    const actualPort = typeof addr === 'object' && addr ? addr.port : port;
    this.address = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
    this.log.info({ url: this.address }, 'HTTP server listening (/healthz, /readyz, /metrics)');
    return this.address;
  }

  get url(): string {
    return this.address;
  }

  /** A route registrar that mounts a plugin instance's paths under `/<channel>/<account>`. */
  routesFor(channel: string, account: string): HttpRoutes {
    const mount = (path: string) => `/${channel}/${account}${path.startsWith('/') ? path : `/${path}`}`.replace(/\/$/, '') || '/';
    const self = this;
    return {
      route: (method, path, handler) => {
        const full = mount(path);
        this.routes.set(`${method.toUpperCase()} ${full}`, handler);
        return full;
      },
      upgrade: (path, handler) => {
        const full = mount(path);
        this.upgrades.set(full, handler);
        return full;
      },
      get baseUrl() {
        return self.address;
      },
    };
  }

  /** Removes every route of an instance (on stop or reload). */
  unmount(channel: string, account: string): void {
    const prefix = `/${channel}/${account}`;
    for (const k of [...this.routes.keys()]) if (k.split(' ')[1]!.startsWith(prefix)) this.routes.delete(k);
    for (const k of [...this.upgrades.keys()]) if (k.startsWith(prefix)) this.upgrades.delete(k);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/$/, '') || '/';
    try {
      if (req.method === 'GET' && path === '/healthz') return json(res, 200, { ok: true });
      if (req.method === 'GET' && path === '/readyz') {
        const r = this.probe.ready();
        return json(res, r.ready ? 200 : 503, { ready: r.ready, ...r.detail });
      }
      if (req.method === 'GET' && path === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(this.probe.metrics());
        return;
      }
      const handler = this.routes.get(`${req.method} ${path}`);
      if (handler) return await handler(req, res);
      if (this.routes.has(`GET ${path}`) || this.routes.has(`POST ${path}`)) return json(res, 405, { error: `method ${req.method} not allowed on ${path}` });
      json(res, 404, { error: `no route ${req.method} ${path}` });
    } catch (err) {
      this.log.error({ err: (err as Error).message, path }, 'HTTP handler failed');
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.end();
    }
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/$/, '') || '/';
    const handler = this.upgrades.get(path);
    if (!handler) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    handler(req, socket, head);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

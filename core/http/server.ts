import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { HttpRoutes, RouteHandler, UpgradeHandler } from '../plugin/types';

export interface Probe {
  ready(): { ready: boolean; detail: Record<string, unknown> };
  /** The Prometheus exposition. */
  metrics(): Promise<string>;
}

/** The gateway's HTTP server: health, readiness, metrics, and the routes plugins register. */
export class HttpServer {
  private readonly server: Server;
  private readonly routes = new Map<string, RouteHandler>();
  private readonly upgrades = new Map<string, UpgradeHandler>();
  /** What each instance mounted, by its base path: unmounting removes exactly these. */
  private readonly owned = new Map<string, { routes: Set<string>; upgrades: Set<string> }>();
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
    const base = `/${channel}/${account}`;
    const mount = (path: string) => `${base}${path.startsWith('/') ? path : `/${path}`}`.replace(/\/$/, '') || '/';
    const owned = this.owned.get(base) ?? { routes: new Set<string>(), upgrades: new Set<string>() };
    this.owned.set(base, owned);
    const address = () => this.address;
    return {
      route: (method, path, handler) => {
        const full = mount(path);
        const key = `${method.toUpperCase()} ${full}`;
        this.routes.set(key, handler);
        owned.routes.add(key);
        return full;
      },
      upgrade: (path, handler) => {
        const full = mount(path);
        this.upgrades.set(full, handler);
        owned.upgrades.add(full);
        return full;
      },
      get baseUrl() {
        return address();
      },
    };
  }

  /** Removes every route an instance mounted (on stop or reload); a sibling whose name starts alike keeps its own. */
  unmount(channel: string, account: string): void {
    const base = `/${channel}/${account}`;
    const owned = this.owned.get(base);
    if (!owned) return;
    this.owned.delete(base);
    for (const k of owned.routes) this.routes.delete(k);
    for (const k of owned.upgrades) this.upgrades.delete(k);
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
        const body = await this.probe.metrics();
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(body);
        return;
      }
      const handler = this.routes.get(`${req.method} ${path}`);
      if (handler) return await handler(req, res);
      if (this.routes.has(`GET ${path}`) || this.routes.has(`POST ${path}`))
        return json(res, 405, { error: `method ${req.method} not allowed on ${path}` });
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

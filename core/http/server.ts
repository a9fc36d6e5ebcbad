import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { GatewayError } from '../errors';
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
      const fail = (err: NodeJS.ErrnoException) => reject(listenError(err, this.listen));
      this.server.once('error', fail);
      this.server.listen(port, host, () => {
        this.server.off('error', fail);
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
      if (req.method === 'GET' && path === '/') return this.index(res);
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

  /**
   * `GET /`: a small page linking the pages the running instances serve (the web chat's), until a
   * status page replaces it. An instance's page is a GET route at its own base path.
   */
  private index(res: ServerResponse): void {
    const pages = [...this.owned.entries()].filter(([base, owned]) => owned.routes.has(`GET ${base}`)).map(([base]) => base);
    const items = pages.length
      ? pages.map((b) => `<li><a href="${escapeHtml(b)}/">${escapeHtml(b.slice(1))}</a></li>`).join('')
      : '<li>none: no running instance serves a page (add <code>- use: webchat</code> under <code>plugins:</code>)</li>';
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>chat-gateway</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:32px auto;max-width:640px;padding:0 16px;color:#1f2329}h1{font-size:20px}h2{font-size:16px;margin-top:24px}a{color:#3370ff}code{background:#f2f3f5;padding:0 4px;border-radius:4px}</style></head>
<body><h1>chat-gateway</h1>
<h2>Chat pages</h2><ul>${items}</ul>
<h2>For operators</h2><ul><li><a href="/readyz">/readyz</a>: whether NATS and every bot are up, with each bot's state</li><li><a href="/metrics">/metrics</a>: Prometheus metrics</li><li><code>chat-gateway status</code>: every bot's state and last traffic</li></ul>
</body></html>`);
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

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Why the server cannot listen, in an operator's words: the common case is a second gateway on the same port. */
function listenError(err: NodeJS.ErrnoException, listen: string): Error {
  const i = listen.lastIndexOf(':');
  const next = `${listen.slice(0, i)}:${Number(listen.slice(i + 1)) + 1}`;
  const change = `pick another port with http.listen in the config (the default config reads it from HTTP_LISTEN: HTTP_LISTEN=${next} npm start)`;
  if (err.code === 'EADDRINUSE')
    return new GatewayError(
      'E_HTTP',
      `cannot listen on ${listen}: the port is already in use (another chat-gateway, or another program)`,
      `stop the other one, or ${change}`,
    );
  if (err.code === 'EACCES')
    return new GatewayError(
      'E_HTTP',
      `cannot listen on ${listen}: ports below 1024 need extra privileges`,
      `use a port above 1024: ${change}`,
    );
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
    return new GatewayError(
      'E_HTTP',
      `cannot listen on ${listen}: no network interface of this machine has that address`,
      'use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface) as the host of http.listen',
    );
  return err;
}

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StatusView } from '../bus/status-view';

/** How often an open status page gets a fresh view. */
const PUSH_MS = 2000;

/** What the status page needs of the gateway. */
export interface StatusSource {
  /** Every replica's instances, from a status request they all answer, and the buckets. */
  view(): Promise<StatusView>;
  /** Base paths of the instances that serve a page (the web chat's). */
  pages(): string[];
}

/**
 * The operator's status page (`GET /`): every instance of every replica with its state in colour, since
 * when, last traffic, the last error and what to check, and which replica sends for it; live (a
 * server-sent event stream every 2 s), with links to the chat pages. `/status.json` is the same view once.
 */
export class StatusPage {
  private cached?: { at: number; view: Promise<StatusView> };

  constructor(private readonly source: StatusSource) {}

  /** The view, shared by every open page for a second (each asks every replica over NATS). */
  private view(): Promise<StatusView> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > PUSH_MS / 2) this.cached = { at: now, view: this.source.view() };
    return this.cached.view;
  }

  async json(res: ServerResponse): Promise<void> {
    const view = await this.view();
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ ...view, pages: this.source.pages() }));
  }

  /** `GET /status/events`: the view now, then every 2 s, until the page closes. */
  events(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    let closed = false;
    const push = async () => {
      if (closed) return;
      try {
        res.write(`event: status\ndata: ${JSON.stringify({ ...(await this.view()), pages: this.source.pages() })}\n\n`);
      } catch {
        // The page went away between two pushes.
      }
    };
    void push();
    const timer = setInterval(() => void push(), PUSH_MS);
    req.on('close', () => {
      closed = true;
      clearInterval(timer);
    });
  }

  html(res: ServerResponse): void {
    const nonce = randomBytes(12).toString('base64');
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; connect-src 'self'`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    res.end(page(nonce));
  }
}

function page(nonce: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>chat-gateway status</title>
<style nonce="${nonce}">
body{font:14px/1.5 system-ui,sans-serif;margin:24px;color:#1f2329;background:#f7f8fa}
h1{font-size:20px;margin:0 0 4px}.sub{color:#646a73;margin:0 0 16px}
table{border-collapse:collapse;width:100%;background:#fff;border-radius:8px;overflow:hidden;box-shadow:0 1px 3px rgba(0,0,0,.08)}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #eef0f2;vertical-align:top}th{font-weight:600;color:#646a73;font-size:12px;text-transform:uppercase}
.state{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;font-size:12px;color:#fff;background:#8f959e}
.connected{background:#2ea121}.failed,.refused{background:#d83931}.reconnecting,.starting,.pending{background:#de7802}.stale{background:#8f959e}.disabled,.stopped{background:#bbbfc4}
.hint{color:#646a73;font-size:12px}td.t{white-space:nowrap}.detail{max-width:520px;word-break:break-word}a{color:#3370ff}
#banner{padding:8px 12px;border-radius:6px;margin:0 0 16px;display:none}#banner.bad{display:block;background:#fde2e2;color:#a1251c}#banner.ok{display:block;background:#e4f7e2;color:#1f6f17}
ul{margin:8px 0 16px;padding-left:20px}h2{font-size:16px;margin-top:24px}
</style></head>
<body><h1>chat-gateway</h1><p class="sub" id="replicas">asking the gateways…</p><div id="banner"></div>
<table><thead><tr><th>channel</th><th>account</th><th>state</th><th>since</th><th>replicas</th><th>sends</th><th>last in</th><th>last out</th><th>detail</th></tr></thead><tbody id="rows"></tbody></table>
<h2>Chat pages</h2><ul id="pages"></ul>
<script nonce="${nonce}">
const q = new URLSearchParams(location.search); const token = q.get('token');
const ago = (iso) => { if (!iso) return '-'; const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000)); return s < 120 ? s + 's ago' : s < 7200 ? Math.floor(s / 60) + 'm ago' : s < 172800 ? Math.floor(s / 3600) + 'h ago' : Math.floor(s / 86400) + 'd ago'; };
const cell = (text, cls) => { const td = document.createElement('td'); if (cls) td.className = cls; td.textContent = text; return td; };
function render(v) {
  document.getElementById('replicas').textContent = v.replicas.length ? v.replicas.length + ' replica' + (v.replicas.length === 1 ? '' : 's') + ' running: ' + v.replicas.map((r) => r.replica + ' (' + r.version + ')').join(', ') : 'no gateway is running with this prefix';
  const banner = document.getElementById('banner'); banner.className = v.ok ? 'ok' : 'bad'; banner.textContent = v.ok ? 'every instance is connected' : 'not every instance is connected: see the detail column';
  const body = document.getElementById('rows'); body.replaceChildren();
  for (const r of v.rows) {
    const tr = document.createElement('tr'); tr.dataset.key = r.channel + '/' + r.account;
    tr.append(cell(r.channel), cell(r.account));
    const st = document.createElement('td'); const badge = document.createElement('span'); badge.className = 'state ' + r.state; badge.textContent = r.state; st.append(badge); tr.append(st);
    tr.append(cell(ago(r.since), 't'), cell(String(r.replicas)), cell(r.sending || '-'), cell(ago(r.lastInbound), 't'), cell(ago(r.lastOutbound), 't'));
    const d = cell(r.detail || '', 'detail'); if (r.hint) { const h = document.createElement('div'); h.className = 'hint'; h.textContent = r.hint; d.append(h); } tr.append(d);
    body.append(tr);
  }
  const pages = document.getElementById('pages'); pages.replaceChildren();
  for (const p of v.pages) { const li = document.createElement('li'); const a = document.createElement('a'); a.href = p + '/'; a.textContent = p.slice(1); li.append(a); pages.append(li); }
  if (!v.pages.length) pages.append(Object.assign(document.createElement('li'), { textContent: 'none: no running instance serves a page' }));
}
const feed = new EventSource('/status/events' + (token ? '?token=' + encodeURIComponent(token) : ''));
feed.addEventListener('status', (e) => render(JSON.parse(e.data)));
feed.onerror = () => { const b = document.getElementById('banner'); b.className = 'bad'; b.textContent = 'lost the connection to this gateway: retrying'; };
</script></body></html>`;
}

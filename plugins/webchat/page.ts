import { MARKDOWN_JS } from './markdown-js';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The page's behaviour: visitor id and history in localStorage, resend until acked, reconnect with backoff. */
const CLIENT_JS = String.raw`
(function () {
  var base = location.pathname.replace(/\/+$/, '');
  var params = new URLSearchParams(location.search);
  var token = params.get('token') || '';
  var key = 'cg-webchat:' + base;
  var newId = function () { return (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(36).slice(2)).replace(/[^A-Za-z0-9_-]/g, ''); };
  var visitor = localStorage.getItem(key + ':visitor');
  if (!visitor) { visitor = newId(); localStorage.setItem(key + ':visitor', visitor); }
  var history = [];
  try { history = JSON.parse(localStorage.getItem(key + ':history') || '[]'); } catch (e) { history = []; }
  var save = function () { localStorage.setItem(key + ':history', JSON.stringify(history.slice(-500))); };
  var list = document.getElementById('messages');
  var statusEl = document.getElementById('status');
  var form = document.getElementById('composer');
  var input = document.getElementById('input');
  var seen = {};

  function render(m) {
    var el = document.getElementById('m-' + m.role + '-' + m.id);
    if (!el) {
      el = document.createElement('div');
      el.id = 'm-' + m.role + '-' + m.id;
      el.className = 'msg ' + m.role;
      el.setAttribute('data-testid', m.role === 'me' ? 'visitor-message' : 'agent-message');
      list.appendChild(el);
    }
    if (m.role === 'agent' && m.format === 'markdown') el.innerHTML = renderMarkdown(m.text);
    else el.textContent = m.text;
    el.classList.toggle('pending', !!m.pending);
    list.scrollTop = list.scrollHeight;
  }
  history.forEach(function (m) { seen[m.role + m.id] = true; render(m); });

  var ws = null;
  var delay = 500;
  function setStatus(s) { statusEl.textContent = s; statusEl.className = s; }
  function flushPending() {
    history.forEach(function (m) { if (m.role === 'me' && m.pending && ws && ws.readyState === 1) ws.send(JSON.stringify({ type: 'message', id: m.id, text: m.text })); });
  }
  function connect() {
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + base + '/ws?visitor=' + encodeURIComponent(visitor) + (token ? '&token=' + encodeURIComponent(token) : '');
    ws = new WebSocket(url);
    setStatus('connecting');
    ws.onopen = function () { delay = 500; setStatus('online'); flushPending(); };
    ws.onclose = function () { setStatus('offline'); setTimeout(connect, delay); delay = Math.min(delay * 2, 5000); };
    ws.onmessage = function (ev) {
      var f = JSON.parse(ev.data);
      if (f.type === 'ack') {
        history.forEach(function (m) { if (m.role === 'me' && m.id === f.id) { m.pending = false; render(m); } });
        save();
      } else if (f.type === 'reply' || f.type === 'message') {
        var role = f.type === 'reply' ? 'agent' : 'me';
        if (seen[role + f.id]) return;
        seen[role + f.id] = true;
        var m = { role: role, id: f.id, text: f.text, format: f.format || 'plain', time: f.time };
        history.push(m); save(); render(m);
      } else if (f.type === 'error' && f.retry) {
        setTimeout(flushPending, 2000);
      }
    };
  }
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = input.value;
    if (!text.trim()) return;
    input.value = '';
    var m = { role: 'me', id: newId(), text: text, pending: true, time: new Date().toISOString() };
    seen['me' + m.id] = true;
    history.push(m); save(); render(m);
    if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: 'message', id: m.id, text: text }));
  });
  input.addEventListener('keydown', function (e) { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); } });
  connect();
})();
`;

const CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1f2329;height:100vh;display:flex;flex-direction:column}
header{padding:12px 16px;background:#fff;border-bottom:1px solid #dee0e3;display:flex;justify-content:space-between;align-items:center}
header h1{font-size:16px;margin:0}#status{font-size:12px;color:#8f959e}#status.online{color:#2ea121}
#messages{flex:1;overflow-y:auto;padding:16px;display:flex;flex-direction:column;gap:8px}
.msg{max-width:75%;padding:8px 12px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}
.msg.me{align-self:flex-end;background:#3370ff;color:#fff}.msg.me.pending{opacity:.6}
.msg.agent{align-self:flex-start;background:#fff;border:1px solid #dee0e3;white-space:normal}
.msg.agent p{margin:0 0 6px}.msg.agent pre{background:#f2f3f5;padding:8px;overflow-x:auto;border-radius:6px}
.msg.agent table{border-collapse:collapse}.msg.agent td,.msg.agent th{border:1px solid #dee0e3;padding:2px 6px}
form{display:flex;gap:8px;padding:12px;background:#fff;border-top:1px solid #dee0e3}
textarea{flex:1;resize:none;height:44px;padding:10px;border:1px solid #dee0e3;border-radius:8px;font:inherit}
button{padding:0 18px;border:0;border-radius:8px;background:#3370ff;color:#fff;font:inherit;cursor:pointer}
`;

/**
 * The whole chat page: one HTML document with its style and script inline (no build step, no CDN).
 * Scripts carry a per-response nonce so the content security policy runs nothing else.
 */
export function renderPage(opts: { title: string; nonce: string }): string {
  const title = escapeHtml(opts.title);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><link rel="icon" href="data:,"><style>${CSS}</style></head>
<body>
<header><h1>${title}</h1><span id="status">connecting</span></header>
<main id="messages" aria-live="polite"></main>
<form id="composer"><textarea id="input" placeholder="Type a message… (Enter to send, Shift+Enter for a new line)" aria-label="Message"></textarea><button type="submit">Send</button></form>
<script nonce="${opts.nonce}">${MARKDOWN_JS}</script>
<script nonce="${opts.nonce}">${CLIENT_JS}</script>
</body></html>`;
}

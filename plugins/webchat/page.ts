import { MARKDOWN_JS } from './markdown-js';
import { PAGE_CSS } from './page-style';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The page's behaviour: visitor id and history in localStorage, resend until acked, reconnect with
 * backoff. A message the gateway refuses for good (an error frame naming it, without `retry`) shows the
 * reason and is never sent again; the length limit shows while typing, so it is rarely reached.
 */
const CLIENT_JS = String.raw`
(function () {
  var base = location.pathname.replace(/\/+$/, '');
  var params = new URLSearchParams(location.search);
  var token = params.get('token') || '';
  var key = 'cg-webchat:' + base;
  var maxLength = Number(document.body.getAttribute('data-max-length')) || 0;
  var newId = function () { return (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(36).slice(2)).replace(/[^A-Za-z0-9_-]/g, ''); };
  var visitor = localStorage.getItem(key + ':visitor');
  if (!visitor) { visitor = newId(); localStorage.setItem(key + ':visitor', visitor); }
  var history = [];
  try { history = JSON.parse(localStorage.getItem(key + ':history') || '[]'); } catch (e) { history = []; }
  var save = function () { localStorage.setItem(key + ':history', JSON.stringify(history.slice(-500))); };
  var list = document.getElementById('messages');
  var welcome = document.getElementById('welcome');
  var statusEl = document.getElementById('status');
  var form = document.getElementById('composer');
  var input = document.getElementById('input');
  var sendButton = document.getElementById('send');
  var countEl = document.getElementById('count');
  var seen = {};

  function two(n) { return (n < 10 ? '0' : '') + n; }
  function when(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return '';
    var time = two(d.getHours()) + ':' + two(d.getMinutes());
    return d.toDateString() === new Date().toDateString() ? time : d.toLocaleDateString([], { month: 'short', day: 'numeric' }) + ' ' + time;
  }

  function render(m) {
    var el = document.getElementById('m-' + m.role + '-' + m.id);
    if (!el) {
      el = document.createElement('div');
      el.id = 'm-' + m.role + '-' + m.id;
      var text = document.createElement('div');
      text.className = 'text';
      text.setAttribute('data-testid', m.role === 'me' ? 'visitor-message' : 'agent-message');
      var meta = document.createElement('div');
      meta.className = 'meta';
      el.appendChild(text);
      el.appendChild(meta);
      list.appendChild(el);
    }
    el.className = 'msg ' + m.role + (m.pending ? ' pending' : '') + (m.error ? ' failed' : '');
    var body = el.firstChild;
    if (m.role === 'agent' && m.format === 'markdown') body.innerHTML = renderMarkdown(m.text);
    else body.textContent = m.text;
    el.lastChild.textContent = m.error ? 'Not sent: ' + m.error : when(m.time);
    if (m.error) el.lastChild.setAttribute('role', 'alert');
    welcome.hidden = true;
    list.scrollTop = list.scrollHeight;
  }
  history.forEach(function (m) { seen[m.role + m.id] = true; render(m); });

  var ws = null;
  var delay = 500;
  function setStatus(s) { statusEl.textContent = s; statusEl.className = s; }
  function sendFrame(m) { if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: 'message', id: m.id, text: m.text })); }
  function flushPending() { history.forEach(function (m) { if (m.role === 'me' && m.pending && !m.error) sendFrame(m); }); }
  function refused(id, reason) {
    history.forEach(function (m) { if (m.role === 'me' && m.id === id) { m.pending = false; m.error = reason; render(m); } });
    save();
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
      } else if (f.type === 'error' && f.id) {
        refused(f.id, f.message);
      }
    };
  }

  function tooLong() { return maxLength > 0 && input.value.length > maxLength; }
  function showCount() {
    var n = input.value.length;
    countEl.textContent = !maxLength || n === 0 ? '' : tooLong() ? n + ' / ' + maxLength + ' characters: ' + (n - maxLength) + ' too many' : n + ' / ' + maxLength;
    countEl.className = tooLong() ? 'over' : '';
    input.className = tooLong() ? 'over' : '';
    sendButton.disabled = tooLong();
  }
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = input.value;
    if (!text.trim() || tooLong()) return;
    input.value = '';
    showCount();
    var m = { role: 'me', id: newId(), text: text, pending: true, time: new Date().toISOString() };
    seen['me' + m.id] = true;
    history.push(m); save(); render(m);
    sendFrame(m);
  });
  input.addEventListener('input', showCount);
  input.addEventListener('keydown', function (e) { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); } });
  connect();
})();
`;

/**
 * The whole chat page: one HTML document with its style and script inline (no build step, no CDN).
 * Scripts carry a per-response nonce so the content security policy runs nothing else.
 */
export function renderPage(opts: { title: string; nonce: string; maxLength: number }): string {
  const title = escapeHtml(opts.title);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><link rel="icon" href="data:,"><style>${PAGE_CSS}</style></head>
<body data-max-length="${opts.maxLength}">
<header><h1>${title}</h1><span id="status">connecting</span></header>
<main id="messages" aria-live="polite"><div id="welcome"><strong>Welcome</strong>Ask anything: the answer appears here. This conversation is kept in this browser.</div></main>
<form id="composer"><div class="row"><textarea id="input" placeholder="Type a message…" aria-label="Message" aria-describedby="keys count"></textarea><button id="send" type="submit">Send</button></div>
<div class="under"><span id="keys">Enter sends, Shift+Enter starts a new line</span><span id="count" aria-live="polite"></span></div></form>
<script nonce="${opts.nonce}">${MARKDOWN_JS}</script>
<script nonce="${opts.nonce}">${CLIENT_JS}</script>
</body></html>`;
}

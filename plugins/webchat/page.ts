import { MARKDOWN_JS } from './markdown-js';
import { PAGE_CSS } from './page-style';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The page's behaviour: the identity (the site's signed one from the URL, or the one the gateway issued,
 * kept in localStorage) and history in localStorage, resend until acked, reconnect with backoff. A
 * message the gateway refuses for good (an error frame naming it, without `retry`) shows the reason and
 * is never sent again; the length and file size limits show before sending, so they are rarely reached.
 * Agent bubbles are updated in place (stream frames, edits), removed on delete, carry buttons (a click
 * is resent until acked) and files (images inline, other files as download links).
 */
const CLIENT_JS = String.raw`
(function () {
  var base = location.pathname.replace(/\/+$/, '');
  var params = new URLSearchParams(location.search);
  var token = params.get('token') || '';
  var key = 'cg-webchat:' + base;
  var body = document.body;
  var maxLength = Number(body.getAttribute('data-max-length')) || 0;
  var maxFile = Number(body.getAttribute('data-max-file')) || 0;
  var signed = body.getAttribute('data-signed') === 'true';
  var newId = function () { return (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(36).slice(2)).replace(/[^A-Za-z0-9_-]/g, ''); };
  var subOf = function (t) { try { return JSON.parse(atob(t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).sub || ''; } catch (e) { return ''; } };
  // Signed mode: the identity the site put in the page URL. Anonymous: the one the gateway issued, kept here.
  var identity = signed ? params.get('identity') || '' : localStorage.getItem(key + ':identity') || '';
  var historyKey = key + ':history' + (signed ? ':' + subOf(identity) : '');
  var history = [];
  try { history = JSON.parse(localStorage.getItem(historyKey) || '[]'); } catch (e) { history = []; }
  var save = function () { localStorage.setItem(historyKey, JSON.stringify(history.slice(-500))); };
  var $ = function (id) { return document.getElementById(id); };
  var list = $('messages'), welcome = $('welcome'), statusEl = $('status'), form = $('composer'), input = $('input');
  var sendButton = $('send'), countEl = $('count'), typingEl = $('typing'), fileInput = $('file'), noticeEl = $('notice');
  var CLIP = '<svg class="clip" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>';
  var seen = {};
  var clicks = {};
  var typingTimer = null;

  function two(n) { return (n < 10 ? '0' : '') + n; }
  function when(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return '';
    var time = two(d.getHours()) + ':' + two(d.getMinutes());
    return d.toDateString() === new Date().toDateString() ? time : d.toLocaleDateString([], { month: 'short', day: 'numeric' }) + ' ' + time;
  }
  function size(n) { return n >= 1048576 ? Number((n / 1048576).toFixed(1)) + ' MB' : n >= 1024 ? Number((n / 1024).toFixed(1)) + ' KB' : n + ' bytes'; }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
  function notice(text, info) { noticeEl.textContent = text; noticeEl.hidden = !text; noticeEl.className = info ? 'info' : ''; }

  function fileView(f) {
    if (f.url && f.kind === 'image') {
      var img = el('img', 'media');
      img.alt = f.name; img.src = f.url; img.setAttribute('data-testid', 'agent-image');
      img.addEventListener('error', function () { img.replaceWith(el('div', 'file', f.name + ' (link expired)')); });
      return img;
    }
    if (f.url) {
      var a = el('a', 'file', f.name + ' (' + size(f.size) + ')');
      a.href = f.url; a.setAttribute('download', f.name); a.setAttribute('data-testid', 'agent-file');
      return a;
    }
    var chip = el('div', 'file');
    chip.innerHTML = CLIP;
    chip.appendChild(document.createTextNode(f.name + ' (' + size(f.size) + ')'));
    return chip;
  }

  function render(m) {
    var id = 'm-' + m.role + '-' + m.id;
    var box = $(id);
    if (!box) { box = el('div'); box.id = id; list.appendChild(box); }
    box.className = 'msg ' + m.role + (m.pending ? ' pending' : '') + (m.error ? ' failed' : '') + (m.streaming ? ' streaming' : '');
    box.textContent = '';
    var text = el('div', 'text');
    text.setAttribute('data-testid', m.role === 'me' ? 'visitor-message' : 'agent-message');
    if (m.role === 'agent' && m.format === 'markdown') text.innerHTML = renderMarkdown(m.text);
    else text.textContent = m.text;
    if (m.text || !(m.files || []).length) box.appendChild(text);
    (m.files || []).forEach(function (f) { box.appendChild(fileView(f)); });
    if ((m.actions || []).length) {
      var row = el('div', 'actions');
      m.actions.forEach(function (b) {
        var btn = el('button', 'action ' + b.style + (m.chosen === b.token ? ' chosen' : ''), b.label);
        btn.type = 'button';
        btn.setAttribute('data-testid', 'action');
        btn.addEventListener('click', function () { click(m, b); });
        row.appendChild(btn);
      });
      box.appendChild(row);
    }
    if (m.reactions && m.reactions.length) box.appendChild(el('div', 'reactions', m.reactions.join(' ')));
    var meta = el('div', 'meta', m.error ? (m.role === 'me' ? 'Not sent: ' : '') + m.error : m.streaming ? 'writing…' : when(m.time));
    if (m.error) meta.setAttribute('role', 'alert');
    box.appendChild(meta);
    welcome.hidden = true;
    list.scrollTop = list.scrollHeight;
  }
  function find(role, id) { for (var i = 0; i < history.length; i++) if (history[i].role === role && history[i].id === id) return history[i]; return null; }
  history.forEach(function (m) { seen[m.role + m.id] = true; render(m); });

  var ws = null;
  var delay = 500;
  var stopped = false;
  function setStatus(s) { statusEl.textContent = s; statusEl.className = s; }
  function frame(f) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(f)); }
  function sendMessage(m) { frame({ type: 'message', id: m.id, text: m.text, files: (m.files || []).map(function (f) { return f.receipt; }) }); }
  function flushPending() {
    history.forEach(function (m) { if (m.role === 'me' && m.pending && !m.error) sendMessage(m); });
    Object.keys(clicks).forEach(function (id) { frame(clicks[id].frame); });
  }
  function click(m, b) {
    var id = newId();
    clicks[id] = { frame: { type: 'click', id: id, message: 'wc_' + m.id, token: b.token }, m: m, token: b.token };
    m.error = '';
    frame(clicks[id].frame);
  }
  function hideTyping() { clearTimeout(typingTimer); typingEl.hidden = true; }
  function agentFrame(f) {
    hideTyping();
    var m = find('agent', f.id);
    if (!m) { m = { role: 'agent', id: f.id, time: f.time }; history.push(m); seen['agent' + f.id] = true; }
    m.text = f.text; m.format = f.format || 'plain'; m.actions = f.actions || []; m.streaming = !!f.streaming;
    if ((f.files || []).length) m.files = f.files;
    if (f.type === 'reply') m.time = f.time;
    save(); render(m);
  }
  function refused(id, reason) {
    var c = clicks[id];
    if (c) { delete clicks[id]; c.m.error = reason; save(); render(c.m); return; }
    var m = find('me', id);
    if (m) { m.pending = false; m.error = reason; save(); render(m); }
  }
  function connect() {
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + base + '/ws?identity=' + encodeURIComponent(identity) + (token ? '&token=' + encodeURIComponent(token) : '');
    ws = new WebSocket(url);
    setStatus('connecting');
    ws.onopen = function () { delay = 500; };
    ws.onclose = function (ev) {
      if (ev.code === 4401 && signed) { stopped = true; setStatus('signed out'); notice(ev.reason + ' — reload the page from the site to sign in again.'); return; }
      if (ev.code === 4401) { identity = ''; localStorage.removeItem(key + ':identity'); }
      setStatus('offline');
      if (!stopped) setTimeout(connect, delay);
      delay = Math.min(delay * 2, 5000);
    };
    ws.onmessage = function (ev) {
      var f = JSON.parse(ev.data);
      if (f.type === 'hello') {
        if (f.identity) { identity = f.identity; localStorage.setItem(key + ':identity', f.identity); }
        setStatus('online');
        flushPending();
      } else if (f.type === 'ack') {
        var c = clicks[f.id];
        if (c) { delete clicks[f.id]; c.m.chosen = c.token; save(); render(c.m); return; }
        var m = find('me', f.id);
        if (m) { m.pending = false; save(); render(m); }
      } else if (f.type === 'reply' || f.type === 'update') {
        agentFrame(f);
      } else if (f.type === 'message') {
        if (seen['me' + f.id]) return;
        seen['me' + f.id] = true;
        var mine = { role: 'me', id: f.id, text: f.text, files: f.files, time: f.time };
        history.push(mine); save(); render(mine);
      } else if (f.type === 'delete') {
        history = history.filter(function (x) { return !(x.role === 'agent' && x.id === f.id); });
        save();
        var gone = $('m-agent-' + f.id);
        if (gone) gone.remove();
      } else if (f.type === 'typing') {
        typingEl.hidden = false;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(hideTyping, 60000);
      } else if (f.type === 'reaction') {
        var target = find('me', f.message);
        if (!target) return;
        target.reactions = (target.reactions || []).filter(function (e) { return e !== f.emoji; });
        if (!f.remove) target.reactions.push(f.emoji);
        save(); render(target);
      } else if (f.type === 'error' && f.retry) {
        setTimeout(flushPending, f.retryAfterMs || 2000);
      } else if (f.type === 'error' && f.id) {
        refused(f.id, f.message);
      } else if (f.type === 'error') {
        notice(f.message);
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
  function post(text, files) {
    var m = { role: 'me', id: newId(), text: text, files: files, pending: true, time: new Date().toISOString() };
    seen['me' + m.id] = true;
    history.push(m); save(); render(m);
    sendMessage(m);
  }
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = input.value;
    if (!text.trim() || tooLong()) return;
    input.value = '';
    showCount();
    post(text, []);
  });
  fileInput.addEventListener('change', function () {
    var file = fileInput.files[0];
    fileInput.value = '';
    if (!file) return;
    if (maxFile && file.size > maxFile) { notice(file.name + ' is ' + size(file.size) + ': this chat takes files up to ' + size(maxFile) + '.'); return; }
    notice('Sending ' + file.name + '…', true);
    fetch(base + '/upload' + (token ? '?token=' + encodeURIComponent(token) : ''), {
      method: 'POST',
      headers: { authorization: 'Bearer ' + identity, 'content-type': file.type || 'application/octet-stream', 'x-file-name': encodeURIComponent(file.name) },
      body: file,
    }).then(function (res) {
      return res.json().then(function (j) {
        if (!res.ok) throw new Error(j.error ? j.error.message : 'upload failed (' + res.status + ')');
        notice('');
        var text = input.value.length <= maxLength ? input.value : '';
        if (text) { input.value = ''; showCount(); }
        post(text, [{ receipt: j.receipt, name: j.name, size: j.size, mime: j.mime, kind: j.kind }]);
      });
    }).catch(function (err) { notice(file.name + ' was not sent: ' + err.message); });
  });
  input.addEventListener('input', showCount);
  input.addEventListener('keydown', function (e) { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); } });
  $('limit').textContent = maxFile ? 'Files up to ' + size(maxFile) : '';
  connect();
})();
`;

/**
 * The whole chat page: one HTML document with its style and script inline (no build step, no CDN).
 * Scripts carry a per-response nonce so the content security policy runs nothing else.
 */
export function renderPage(opts: { title: string; nonce: string; maxLength: number; maxFileBytes: number; signed: boolean }): string {
  const title = escapeHtml(opts.title);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><link rel="icon" href="data:,"><style>${PAGE_CSS}</style></head>
<body data-max-length="${opts.maxLength}" data-max-file="${opts.maxFileBytes}" data-signed="${opts.signed}">
<header><h1>${title}</h1><span id="status">connecting</span></header>
<main id="messages" aria-live="polite"><div id="welcome"><strong>Welcome</strong>Ask anything: the answer appears here. This conversation is kept in this browser.</div></main>
<div id="typing" hidden>typing…</div><div id="notice" role="alert" hidden></div>
<form id="composer"><div class="row"><label id="attach" title="Attach a file" aria-label="Attach a file"><svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg><input id="file" type="file" hidden></label><textarea id="input" placeholder="Type a message…" aria-label="Message" aria-describedby="keys count"></textarea><button id="send" type="submit">Send</button></div>
<div class="under"><span id="keys">Enter sends, Shift+Enter starts a new line</span><span id="limit"></span><span id="count" aria-live="polite"></span></div></form>
<script nonce="${opts.nonce}">${MARKDOWN_JS}</script>
<script nonce="${opts.nonce}">${CLIENT_JS}</script>
</body></html>`;
}

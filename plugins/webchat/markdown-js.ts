/**
 * The page's markdown renderer, as browser JavaScript source. Safe by construction: every piece of
 * agent text is HTML-escaped before any tag is added, and links keep only http(s) and mailto URLs.
 * Exported as source so the page inlines it and tests can run the very same code.
 */
export const MARKDOWN_JS = String.raw`
function cgEscape(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
function cgInline(text) {
  var codes = [];
  var s = cgEscape(text).replace(/\x60([^\x60\n]+)\x60/g, function (_, c) { codes.push(c); return '\u0000' + (codes.length - 1) + '\u0000'; });
  s = s.replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, function (all, label, url) {
    return /^(https?:|mailto:)/i.test(url) ? '<a href="' + url + '" target="_blank" rel="noopener noreferrer">' + label + '</a>' : all;
  });
  s = s.replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>').replace(/(^|[^\w])__([^_\n]+)__(?!\w)/g, '$1<strong>$2</strong>');
  s = s.replace(/(^|[^*])\*([^*\n]+)\*/g, '$1<em>$2</em>').replace(/~~([^~\n]+)~~/g, '<del>$1</del>');
  return s.replace(/\u0000(\d+)\u0000/g, function (_, i) { return '<code>' + codes[Number(i)] + '</code>'; });
}
function cgCells(line) {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map(function (c) { return c.trim(); });
}
function renderMarkdown(src) {
  var lines = String(src).replace(/\r\n?/g, '\n').split('\n');
  var html = [];
  var para = [];
  var flush = function () { if (para.length) { html.push('<p>' + para.map(cgInline).join('<br>') + '</p>'); para = []; } };
  for (var i = 0; i < lines.length; i++) {
    var line = lines[i];
    var fence = /^\s{0,3}(\x60\x60\x60|~~~)\s*([\w+-]*)/.exec(line);
    if (fence) {
      flush();
      var body = [];
      for (i++; i < lines.length && lines[i].trim().indexOf(fence[1]) !== 0; i++) body.push(lines[i]);
      html.push('<pre><code' + (fence[2] ? ' data-lang="' + cgEscape(fence[2]) + '"' : '') + '>' + cgEscape(body.join('\n')) + '</code></pre>');
      continue;
    }
    var heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) { flush(); var n = heading[1].length; html.push('<h' + n + '>' + cgInline(heading[2]) + '</h' + n + '>'); continue; }
    if (/^\s*\|.*\|\s*$/.test(line) && i + 1 < lines.length && /^\s*\|?\s*:?-{3,}/.test(lines[i + 1])) {
      flush();
      var head = cgCells(line).map(function (c) { return '<th>' + cgInline(c) + '</th>'; }).join('');
      var rows = [];
      for (i += 2; i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i]); i++) rows.push('<tr>' + cgCells(lines[i]).map(function (c) { return '<td>' + cgInline(c) + '</td>'; }).join('') + '</tr>');
      i--;
      html.push('<table><thead><tr>' + head + '</tr></thead><tbody>' + rows.join('') + '</tbody></table>');
      continue;
    }
    var item = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (item) {
      flush();
      var ordered = /\d/.test(item[1]);
      var items = [];
      for (; i < lines.length && (item = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(lines[i])); i++) items.push('<li>' + cgInline(item[2]) + '</li>');
      i--;
      html.push((ordered ? '<ol>' : '<ul>') + items.join('') + (ordered ? '</ol>' : '</ul>'));
      continue;
    }
    if (/^\s*>\s?/.test(line)) { flush(); html.push('<blockquote>' + cgInline(line.replace(/^\s*>\s?/, '')) + '</blockquote>'); continue; }
    if (line.trim() === '') { flush(); continue; }
    para.push(line);
  }
  flush();
  return html.join('');
}
`;

/**
 * A small markdown reader for agent answers: enough of CommonMark for what language models write
 * (fenced code, headings, quotes, lists, tables, emphasis, strikethrough, inline code, links), read
 * into a tree that `render.ts` writes as Telegram HTML, MarkdownV2 or plain text. Anything it does not
 * recognise stays text, so it is escaped rather than sent as broken markup.
 */

export type Inline =
  | { t: 'text'; s: string }
  | { t: 'bold' | 'italic' | 'strike'; c: Inline[] }
  | { t: 'code'; s: string }
  | { t: 'link'; url: string; c: Inline[] };

export type Block =
  | { t: 'line'; c: Inline[]; prefix?: string }
  | { t: 'heading'; c: Inline[] }
  | { t: 'quote'; lines: Inline[][] }
  | { t: 'pre'; s: string; lang?: string };

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})\s*$/;
const HEADING = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const BULLET = /^(\s*)[-*+]\s+(.*)$/;
const ORDERED = /^(\s*)(\d{1,9}[.)])\s+(.*)$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const TABLE_ROW = /^\s*\|.*\|\s*$/;
const TABLE_RULE = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

export function parseMarkdown(md: string): Block[] {
  const lines = md.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const open = FENCE_OPEN.exec(line);
    if (open) {
      const marker = open[1]!;
      const body: string[] = [];
      while (++i < lines.length) {
        const close = FENCE_CLOSE.exec(lines[i]!);
        if (close && close[1]![0] === marker[0] && close[1]!.length >= marker.length) break;
        body.push(lines[i]!);
      }
      blocks.push({ t: 'pre', s: body.join('\n'), ...(open[2] ? { lang: open[2] } : {}) });
      continue;
    }
    if (TABLE_ROW.test(line) && TABLE_RULE.test(lines[i + 1] ?? '')) {
      // Telegram has no tables: a monospaced block keeps the columns lined up.
      const rows = [line];
      while (i + 1 < lines.length && TABLE_ROW.test(lines[i + 1]!)) rows.push(lines[++i]!);
      blocks.push({ t: 'pre', s: rows.join('\n') });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ t: 'heading', c: parseInline(heading[1]!) });
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted: Inline[][] = [];
      for (; i < lines.length && QUOTE.test(lines[i]!); i++) quoted.push(parseInline(QUOTE.exec(lines[i]!)![1]!));
      i--;
      blocks.push({ t: 'quote', lines: quoted });
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ t: 'line', c: [{ t: 'text', s: '──────────' }] });
      continue;
    }
    const bullet = BULLET.exec(line);
    if (bullet) {
      blocks.push({ t: 'line', prefix: `${bullet[1]}• `, c: parseInline(bullet[2]!) });
      continue;
    }
    const ordered = ORDERED.exec(line);
    if (ordered) {
      blocks.push({ t: 'line', prefix: `${ordered[1]}${ordered[2]} `, c: parseInline(ordered[3]!) });
      continue;
    }
    blocks.push({ t: 'line', c: parseInline(line) });
  }
  return blocks;
}

const PUNCT = /[!-/:-@[-`{-~]/;
const WORD = /[\p{L}\p{N}]/u;
const DELIMITERS: Array<[string, 'bold' | 'italic' | 'strike']> = [
  ['**', 'bold'],
  ['__', 'bold'],
  ['~~', 'strike'],
  ['*', 'italic'],
  ['_', 'italic'],
];

/** Index just past the code span opening at `i` (a run of backticks), or -1 when it is never closed. */
function codeSpanEnd(s: string, i: number): { end: number; inner: string } | undefined {
  const run = /^`+/.exec(s.slice(i))![0];
  for (let j = s.indexOf(run, i + run.length); j >= 0; j = s.indexOf(run, j + 1)) {
    if (s[j + run.length] === '`' || s[j - 1] === '`') continue;
    let inner = s.slice(i + run.length, j);
    if (inner.length > 2 && inner.startsWith(' ') && inner.endsWith(' ')) inner = inner.slice(1, -1);
    return { end: j + run.length, inner };
  }
  return undefined;
}

/** `[text](url)` or `![alt](url)` starting at `i` (the `[`), or undefined. */
function linkAt(s: string, i: number): { text: string; url: string; end: number } | undefined {
  let depth = 0;
  let j = i;
  for (; j < s.length; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === '[') depth++;
    else if (s[j] === ']' && --depth === 0) break;
  }
  if (j >= s.length || s[j + 1] !== '(') return undefined;
  let k = j + 2;
  let parens = 1;
  for (; k < s.length; k++) {
    if (s[k] === '\\') k++;
    else if (s[k] === '(') parens++;
    else if (s[k] === ')' && --parens === 0) break;
  }
  if (k >= s.length) return undefined;
  const target = s.slice(j + 2, k).trim();
  const url = (/^<([^>]*)>/.exec(target)?.[1] ?? target.split(/\s+/)[0] ?? '').replace(/\\([!-/:-@[-`{-~])/g, '$1');
  if (!url) return undefined;
  return { text: s.slice(i + 1, j), url, end: k + 1 };
}

/** Where the emphasis opened by `d` at `from` closes, or -1. */
function closing(s: string, from: number, d: string): number {
  for (let j = from + 1; j < s.length; j++) {
    if (s[j] === '\\') {
      j++;
      continue;
    }
    if (s[j] === '`') {
      const span = codeSpanEnd(s, j);
      if (span) j = span.end - 1;
      continue;
    }
    if (!s.startsWith(d, j) || /\s/.test(s[j - 1]!)) continue;
    const after = s[j + d.length];
    // A single `*` or `_` must not be part of a `**` / `__` run.
    if (d.length === 1 && (after === d || s[j - 1] === d)) continue;
    if (d[0] === '_' && after !== undefined && WORD.test(after)) continue;
    return j;
  }
  return -1;
}

export function parseInline(s: string): Inline[] {
  const out: Inline[] = [];
  let buf = '';
  const flush = () => {
    if (buf) out.push({ t: 'text', s: buf });
    buf = '';
  };
  let i = 0;
  outer: while (i < s.length) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length && PUNCT.test(s[i + 1]!)) {
      buf += s[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      const span = codeSpanEnd(s, i);
      const run = /^`+/.exec(s.slice(i))![0];
      if (!span) {
        buf += run;
        i += run.length;
        continue;
      }
      flush();
      out.push({ t: 'code', s: span.inner });
      i = span.end;
      continue;
    }
    if (c === '[' || (c === '!' && s[i + 1] === '[')) {
      const link = linkAt(s, c === '!' ? i + 1 : i);
      if (link) {
        flush();
        out.push({ t: 'link', url: link.url, c: parseInline(link.text || link.url) });
        i = link.end;
        continue;
      }
    }
    if (c === '<') {
      const auto = /^<((?:https?|tg|mailto):[^\s<>]+)>/.exec(s.slice(i));
      if (auto) {
        flush();
        out.push({ t: 'link', url: auto[1]!, c: [{ t: 'text', s: auto[1]! }] });
        i += auto[0].length;
        continue;
      }
    }
    for (const [d, kind] of DELIMITERS) {
      if (!s.startsWith(d, i)) continue;
      const next = s[i + d.length];
      if (next === undefined || /\s/.test(next)) break;
      if (d[0] === '_' && i > 0 && WORD.test(s[i - 1]!)) break;
      const j = closing(s, i + d.length - 1, d);
      if (j < 0) continue;
      flush();
      out.push({ t: kind, c: parseInline(s.slice(i + d.length, j)) });
      i = j + d.length;
      continue outer;
    }
    buf += c;
    i++;
  }
  flush();
  return out;
}

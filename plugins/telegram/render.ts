import type { Block, Inline } from './markdown';

/** URL schemes Telegram makes clickable; a link to anything else is written out as text. */
const LINKABLE = /^(https?|tg|mailto):/i;
const LANGUAGE = /^[A-Za-z0-9_+#.-]{1,32}$/;

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string) => escapeHtml(s).replace(/"/g, '&quot;');

/** Telegram HTML: `<b> <i> <s> <code> <pre> <a> <blockquote>`; `&`, `<` and `>` escaped everywhere else. */
export function toHtml(blocks: Block[]): string {
  const inline = (nodes: Inline[]): string =>
    nodes
      .map((n) => {
        switch (n.t) {
          case 'text':
            return escapeHtml(n.s);
          case 'bold':
            return `<b>${inline(n.c)}</b>`;
          case 'italic':
            return `<i>${inline(n.c)}</i>`;
          case 'strike':
            return `<s>${inline(n.c)}</s>`;
          case 'code':
            return `<code>${escapeHtml(n.s)}</code>`;
          case 'link':
            return LINKABLE.test(n.url)
              ? `<a href="${escapeAttr(n.url)}">${inline(n.c)}</a>`
              : `${inline(n.c)}${escapeHtml(` (${n.url})`)}`;
        }
      })
      .join('');
  return blocks
    .map((b) => {
      switch (b.t) {
        case 'line':
          return escapeHtml(b.prefix ?? '') + inline(b.c);
        case 'heading':
          return `<b>${inline(b.c)}</b>`;
        case 'quote':
          return `<blockquote>${b.lines.map(inline).join('\n')}</blockquote>`;
        case 'pre':
          return b.lang && LANGUAGE.test(b.lang)
            ? `<pre><code class="language-${b.lang}">${escapeHtml(b.s)}</code></pre>`
            : `<pre>${escapeHtml(b.s)}</pre>`;
      }
    })
    .join('\n');
}

/** Every character MarkdownV2 reserves, escaped with `\` outside entities. */
const escapeV2 = (s: string) => s.replace(/[_*[\]()~`>#+\-=|{}.!\\]/g, '\\$&');
/** Inside `code` and `pre` only `` ` `` and `\` are escaped; inside a link's URL only `)` and `\`. */
const escapeV2Code = (s: string) => s.replace(/[`\\]/g, '\\$&');
const escapeV2Url = (s: string) => s.replace(/[)\\]/g, '\\$&');

/** Telegram MarkdownV2 with its escaping rules. */
export function toMarkdownV2(blocks: Block[]): string {
  const inline = (nodes: Inline[]): string => {
    let out = '';
    for (const n of nodes) {
      let piece: string;
      switch (n.t) {
        case 'text':
          piece = escapeV2(n.s);
          break;
        case 'bold':
          piece = `*${inline(n.c)}*`;
          break;
        case 'italic':
          piece = `_${inline(n.c)}_`;
          break;
        case 'strike':
          piece = `~${inline(n.c)}~`;
          break;
        case 'code':
          piece = `\`${escapeV2Code(n.s)}\``;
          break;
        case 'link':
          piece = LINKABLE.test(n.url) ? `[${inline(n.c)}](${escapeV2Url(n.url)})` : `${inline(n.c)}${escapeV2(` (${n.url})`)}`;
          break;
      }
      // `_a_` next to `_b_` would read as `__` (underline): an empty bold entity keeps them apart.
      if (out.endsWith('_') && piece.startsWith('_')) out += '**';
      out += piece;
    }
    return out;
  };
  return blocks
    .map((b) => {
      switch (b.t) {
        case 'line':
          return escapeV2(b.prefix ?? '') + inline(b.c);
        case 'heading':
          return `*${inline(b.c)}*`;
        case 'quote':
          return b.lines.map((l) => `>${inline(l)}`).join('\n');
        case 'pre':
          // The fence closes right after the code: a newline before it would be part of the block.
          return `\`\`\`${b.lang && LANGUAGE.test(b.lang) ? b.lang : ''}\n${escapeV2Code(b.s)}\`\`\``;
      }
    })
    .join('\n');
}

/**
 * What the reader sees, without markup: the fallback when Telegram refuses the markup, and the measure
 * of the 4096-character limit (link targets and quote marks included, so it never undercounts).
 */
export function toPlain(blocks: Block[]): string {
  const inline = (nodes: Inline[]): string =>
    nodes
      .map((n) => {
        switch (n.t) {
          case 'text':
          case 'code':
            return n.s;
          case 'link': {
            const text = inline(n.c);
            return text === n.url ? text : `${text} (${n.url})`;
          }
          default:
            return inline(n.c);
        }
      })
      .join('');
  return blocks
    .map((b) => {
      switch (b.t) {
        case 'line':
          return (b.prefix ?? '') + inline(b.c);
        case 'heading':
          return inline(b.c);
        case 'quote':
          return b.lines.map((l) => `> ${inline(l)}`).join('\n');
        case 'pre':
          return b.s;
      }
    })
    .join('\n');
}

import type { Block, Inline } from './markdown';

/** URL schemes Telegram makes clickable; a link to anything else is written out as text. */
const LINKABLE = /^(https?|tg|mailto):/i;
const LANGUAGE = /^[A-Za-z0-9_+#.-]{1,32}$/;

/** How one output format writes each kind of node; `render` walks the blocks with it. */
interface Format {
  /** Text outside entities (and list prefixes), escaped as the format needs. */
  text(s: string): string;
  /** What bold, italic and strike text go between; a heading is written bold. */
  marks: Record<'bold' | 'italic' | 'strike', readonly [string, string]>;
  code(s: string): string;
  link(inner: string, url: string): string;
  quote(lines: string[]): string;
  /** A code block; `lang` only when Telegram takes it as a language name. */
  pre(s: string, lang: string | undefined): string;
  /** Puts an inline piece after the ones before it, where plain concatenation would read wrong. */
  join?(before: string, next: string): string;
}

function render(blocks: Block[], f: Format): string {
  const wrap = (mark: keyof Format['marks'], inner: string) => f.marks[mark][0] + inner + f.marks[mark][1];
  const piece = (n: Inline): string => {
    switch (n.t) {
      case 'text':
        return f.text(n.s);
      case 'code':
        return f.code(n.s);
      case 'link':
        return f.link(inline(n.c), n.url);
      default:
        return wrap(n.t, inline(n.c));
    }
  };
  const join = f.join ?? ((before: string, next: string) => before + next);
  const inline = (nodes: Inline[]): string => nodes.reduce((out, n) => join(out, piece(n)), '');
  return blocks
    .map((b) => {
      switch (b.t) {
        case 'line':
          return f.text(b.prefix ?? '') + inline(b.c);
        case 'heading':
          return wrap('bold', inline(b.c));
        case 'quote':
          return f.quote(b.lines.map(inline));
        case 'pre':
          return f.pre(b.s, b.lang && LANGUAGE.test(b.lang) ? b.lang : undefined);
      }
    })
    .join('\n');
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string) => escapeHtml(s).replace(/"/g, '&quot;');

const HTML: Format = {
  text: escapeHtml,
  marks: { bold: ['<b>', '</b>'], italic: ['<i>', '</i>'], strike: ['<s>', '</s>'] },
  code: (s) => `<code>${escapeHtml(s)}</code>`,
  link: (inner, url) => (LINKABLE.test(url) ? `<a href="${escapeAttr(url)}">${inner}</a>` : `${inner}${escapeHtml(` (${url})`)}`),
  quote: (lines) => `<blockquote>${lines.join('\n')}</blockquote>`,
  pre: (s, lang) => (lang ? `<pre><code class="language-${lang}">${escapeHtml(s)}</code></pre>` : `<pre>${escapeHtml(s)}</pre>`),
};

/** Telegram HTML: `<b> <i> <s> <code> <pre> <a> <blockquote>`; `&`, `<` and `>` escaped everywhere else. */
export function toHtml(blocks: Block[]): string {
  return render(blocks, HTML);
}

/** Every character MarkdownV2 reserves, escaped with `\` outside entities. */
const escapeV2 = (s: string) => s.replace(/[_*[\]()~`>#+\-=|{}.!\\]/g, '\\$&');
/** Inside `code` and `pre` only `` ` `` and `\` are escaped; inside a link's URL only `)` and `\`. */
const escapeV2Code = (s: string) => s.replace(/[`\\]/g, '\\$&');
const escapeV2Url = (s: string) => s.replace(/[)\\]/g, '\\$&');

const MARKDOWN_V2: Format = {
  text: escapeV2,
  marks: { bold: ['*', '*'], italic: ['_', '_'], strike: ['~', '~'] },
  code: (s) => `\`${escapeV2Code(s)}\``,
  link: (inner, url) => (LINKABLE.test(url) ? `[${inner}](${escapeV2Url(url)})` : `${inner}${escapeV2(` (${url})`)}`),
  quote: (lines) => lines.map((l) => `>${l}`).join('\n'),
  // The fence closes right after the code: a newline before it would be part of the block.
  pre: (s, lang) => `\`\`\`${lang ?? ''}\n${escapeV2Code(s)}\`\`\``,
  // `_a_` next to `_b_` would read as `__` (underline): an empty bold entity keeps them apart.
  join: (before, next) => before + (before.endsWith('_') && next.startsWith('_') ? '**' : '') + next,
};

/** Telegram MarkdownV2 with its escaping rules. */
export function toMarkdownV2(blocks: Block[]): string {
  return render(blocks, MARKDOWN_V2);
}

const PLAIN: Format = {
  text: (s) => s,
  marks: { bold: ['', ''], italic: ['', ''], strike: ['', ''] },
  code: (s) => s,
  link: (inner, url) => (inner === url ? inner : `${inner} (${url})`),
  quote: (lines) => lines.map((l) => `> ${l}`).join('\n'),
  pre: (s) => s,
};

/**
 * What the reader sees, without markup: the fallback when Telegram refuses the markup, and the measure
 * of the 4096-character limit (link targets and quote marks included, so it never undercounts).
 */
export function toPlain(blocks: Block[]): string {
  return render(blocks, PLAIN);
}

/**
 * Telegram's HTML parse mode, following tdlib's `parse_html`: the tags Telegram supports, `&lt;`
 * `&gt;` `&amp;` `&quot;` and numeric entities (any other `&` stays a literal `&`), and its error
 * messages with UTF-8 byte offsets. Returns the plain text and its entities (UTF-16 offsets).
 */
import { MarkupError, byteOffset, type Parsed } from './markup';
import type { MessageEntity } from './types';

const TAGS = new Set([
  'a',
  'b',
  'strong',
  'i',
  'em',
  's',
  'strike',
  'del',
  'u',
  'ins',
  'tg-spoiler',
  'tg-emoji',
  'span',
  'pre',
  'code',
  'blockquote',
]);
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };
const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);

/** Decodes the entity at `i` (an `&`); undefined when it is not one Telegram knows. */
function decodeEntity(s: string, i: number): { ch: string; end: number } | undefined {
  const named = /^&([a-zA-Z]+);/.exec(s.slice(i, i + 10));
  if (named) return NAMED[named[1]!] !== undefined ? { ch: NAMED[named[1]!]!, end: i + named[0].length } : undefined;
  const num = /^&#(?:[xX]([0-9a-fA-F]{1,8})|(\d{1,10}));/.exec(s.slice(i, i + 14));
  if (!num) return undefined;
  const code = num[1] !== undefined ? parseInt(num[1], 16) : Number(num[2]);
  if (code <= 0 || code >= 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return { ch: String.fromCodePoint(code), end: i + num[0].length };
}

interface Open {
  tag: string;
  arg?: string;
  offset: number;
  begin: number;
}

export function parseHtml(text: string): Parsed {
  let out = '';
  const entities: MessageEntity[] = [];
  const stack: Open[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '&') {
      const d = decodeEntity(text, i);
      if (d) {
        out += d.ch;
        i = d.end;
        continue;
      }
    }
    if (c !== '<') {
      out += c;
      i++;
      continue;
    }
    const begin = i++;
    if (text[i] !== '/') {
      while (i < text.length && !isSpace(text[i]) && text[i] !== '>') i++;
      if (i >= text.length) throw new MarkupError(`Unclosed start tag at byte offset ${byteOffset(text, begin)}`);
      const tag = text.slice(begin + 1, i).toLowerCase();
      if (!TAGS.has(tag)) throw new MarkupError(`Unsupported start tag "${tag}" at byte offset ${byteOffset(text, begin)}`);
      let arg: string | undefined;
      while (text[i] !== '>') {
        while (isSpace(text[i])) i++;
        if (text[i] === '>') break;
        const nameStart = i;
        while (i < text.length && !isSpace(text[i]) && !'=>/"\''.includes(text[i]!)) i++;
        const name = text.slice(nameStart, i).toLowerCase();
        if (!name) throw new MarkupError(`Empty attribute name in the tag "${tag}" at byte offset ${byteOffset(text, begin)}`);
        while (isSpace(text[i])) i++;
        if (text[i] !== '=') {
          if (i >= text.length) throw new MarkupError(`Unclosed start tag "${tag}" at byte offset ${byteOffset(text, begin)}`);
          if (tag === 'blockquote' && name === 'expandable') arg = 'expandable';
          continue;
        }
        i++;
        while (isSpace(text[i])) i++;
        if (i >= text.length) throw new MarkupError(`Unclosed start tag "${tag}" at byte offset ${byteOffset(text, begin)}`);
        let value = '';
        if (text[i] !== '"' && text[i] !== "'") {
          const tokenStart = i;
          while (i < text.length && /[A-Za-z0-9.-]/.test(text[i]!)) i++;
          value = text.slice(tokenStart, i).toLowerCase();
          if (i >= text.length || (!isSpace(text[i]) && text[i] !== '>'))
            throw new MarkupError(`Unexpected end of name token at byte offset ${byteOffset(text, tokenStart)}`);
        } else {
          const quote = text[i++]!;
          while (i < text.length && text[i] !== quote) {
            const d = text[i] === '&' ? decodeEntity(text, i) : undefined;
            if (d) {
              value += d.ch;
              i = d.end;
            } else value += text[i++];
          }
          if (text[i] === quote) i++;
          if (i >= text.length) throw new MarkupError(`Unclosed start tag at byte offset ${byteOffset(text, begin)}`);
        }
        if (tag === 'a' && name === 'href') arg = value;
        else if (tag === 'code' && name === 'class' && value.startsWith('language-')) arg = value.slice('language-'.length);
        else if (tag === 'span' && name === 'class' && value === 'tg-spoiler') arg = 'spoiler';
        else if (tag === 'tg-emoji' && name === 'emoji-id') arg = value;
      }
      if (tag === 'span' && arg !== 'spoiler')
        throw new MarkupError(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(text, begin)}`);
      stack.push({ tag, ...(arg !== undefined ? { arg } : {}), offset: out.length, begin });
      i++;
      continue;
    }
    if (!stack.length) throw new MarkupError(`Unexpected end tag at byte offset ${byteOffset(text, begin)}`);
    i++;
    while (i < text.length && !isSpace(text[i]) && text[i] !== '>') i++;
    const endName = text.slice(begin + 2, i).toLowerCase();
    while (isSpace(text[i])) i++;
    if (text[i] !== '>') throw new MarkupError(`Unclosed end tag at byte offset ${byteOffset(text, begin)}`);
    const open = stack.pop()!;
    if (endName && endName !== open.tag)
      throw new MarkupError(
        `Unmatched end tag at byte offset ${byteOffset(text, begin)}, expected "</${open.tag}>", found "</${endName}>"`,
      );
    i++;
    const entity = toEntity(open, out.length);
    if (entity) {
      // <pre><code class="language-x"> is one pre entity with a language.
      const last = entities[entities.length - 1];
      if (entity.type === 'pre' && last?.type === 'code' && last.offset === entity.offset && last.length === entity.length) {
        entities.pop();
        entity.language = last.language;
      }
      if (entity.language === undefined) delete entity.language;
      entities.push(entity);
    }
  }
  if (stack.length) throw new MarkupError(`Can't find end tag corresponding to start tag "${stack[stack.length - 1]!.tag}"`);
  // A language belongs to a pre block only; inline code keeps none.
  for (const e of entities) if (e.type === 'code') delete e.language;
  return { text: out, entities: entities.sort((a, b) => a.offset - b.offset || b.length - a.length) };
}

/** The entity of each tag that takes no argument (several tags name the same entity, as in Telegram). */
const PLAIN_TAGS: Record<string, string> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  u: 'underline',
  ins: 'underline',
  'tg-spoiler': 'spoiler',
  span: 'spoiler',
  'tg-emoji': 'custom_emoji',
  pre: 'pre',
};

function toEntity(open: Open, end: number): (MessageEntity & { language?: string }) | undefined {
  const offset = open.offset;
  const length = end - offset;
  if (length <= 0) return undefined;
  const base = { offset, length };
  const plain = PLAIN_TAGS[open.tag];
  if (plain) return { type: plain, ...base };
  if (open.tag === 'blockquote') return { type: open.arg === 'expandable' ? 'expandable_blockquote' : 'blockquote', ...base };
  if (open.tag === 'code') return { type: 'code', ...base, language: open.arg };
  // An href Telegram cannot use leaves the text without a link, as Telegram does.
  if (open.tag === 'a' && open.arg && /^(https?|tg|mailto|ton):/i.test(open.arg)) return { type: 'text_link', ...base, url: open.arg };
  return undefined;
}

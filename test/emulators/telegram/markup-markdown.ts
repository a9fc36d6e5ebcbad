/**
 * Telegram's MarkdownV2 and legacy Markdown parse modes, following tdlib's `parse_markdown_v2` and
 * `parse_markdown`: reserved characters, `\` escapes, nested entities, and the error messages.
 */
import { MarkupError, byteOffset, type Parsed } from './markup';
import type { MessageEntity } from './types';

const RESERVED = '_*[]()~`>#+-=|{}.!';

type Kind = 'Bold' | 'Italic' | 'Underline' | 'Strikethrough' | 'Spoiler' | 'Code' | 'Pre' | 'TextUrl' | 'CustomEmoji';
const ENTITY_TYPE: Record<Kind, string> = {
  Bold: 'bold',
  Italic: 'italic',
  Underline: 'underline',
  Strikethrough: 'strikethrough',
  Spoiler: 'spoiler',
  Code: 'code',
  Pre: 'pre',
  TextUrl: 'text_link',
  CustomEmoji: 'custom_emoji',
};

interface Open {
  kind: Kind;
  offset: number;
  byte: number;
  language?: string;
}

const reservedError = (c: string) => new MarkupError(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);

export function parseMarkdownV2(text: string): Parsed {
  let out = '';
  const entities: MessageEntity[] = [];
  const stack: Open[] = [];
  let quoteStart = -1;
  let i = 0;
  const inCode = () => ['Code', 'Pre'].includes(stack[stack.length - 1]?.kind ?? '');
  while (i < text.length) {
    const c = text[i]!;
    const lineStart = i === 0 || text[i - 1] === '\n';
    if (lineStart && !inCode()) {
      if (c === '>') {
        if (quoteStart < 0) quoteStart = out.length;
        i++;
        continue;
      }
      if (quoteStart >= 0) {
        // The quote ended on the previous line (its newline is not part of it).
        if (out.length - 1 > quoteStart) entities.push({ type: 'blockquote', offset: quoteStart, length: out.length - 1 - quoteStart });
        quoteStart = -1;
      }
    }
    if (c === '\\' && i + 1 < text.length && text.charCodeAt(i + 1) <= 126) {
      out += text[i + 1];
      i += 2;
      continue;
    }
    const reserved = inCode() ? '`' : RESERVED;
    if (!reserved.includes(c)) {
      out += c;
      i++;
      continue;
    }
    const top = stack[stack.length - 1];
    const ends =
      !!top &&
      ((top.kind === 'Bold' && c === '*') ||
        (top.kind === 'Italic' && c === '_' && text[i + 1] !== '_') ||
        (top.kind === 'Underline' && c === '_' && text[i + 1] === '_') ||
        (top.kind === 'Strikethrough' && c === '~') ||
        (top.kind === 'Spoiler' && c === '|' && text[i + 1] === '|') ||
        (top.kind === 'Code' && c === '`') ||
        (top.kind === 'Pre' && text.startsWith('```', i)) ||
        ((top.kind === 'TextUrl' || top.kind === 'CustomEmoji') && c === ']'));
    if (!ends) {
      const byte = byteOffset(text, i);
      let kind: Kind;
      let language: string | undefined;
      if (c === '_' && text[i + 1] === '_') [kind, i] = ['Underline', i + 2];
      else if (c === '_') [kind, i] = ['Italic', i + 1];
      else if (c === '*') [kind, i] = ['Bold', i + 1];
      else if (c === '~') [kind, i] = ['Strikethrough', i + 1];
      else if (c === '|' && text[i + 1] === '|') [kind, i] = ['Spoiler', i + 2];
      else if (c === '[') [kind, i] = ['TextUrl', i + 1];
      else if (c === '!' && text[i + 1] === '[') [kind, i] = ['CustomEmoji', i + 2];
      else if (text.startsWith('```', i)) {
        kind = 'Pre';
        i += 3;
        // The first word is the language when whitespace follows it; one newline after it is skipped.
        const lang = /^[^\s`]+(?=\s)/.exec(text.slice(i));
        if (lang) {
          language = lang[0];
          i += lang[0].length;
        }
        if (text.startsWith('\r\n', i) || text.startsWith('\n\r', i)) i += 2;
        else if (text[i] === '\n' || text[i] === '\r') i++;
      } else if (c === '`') [kind, i] = ['Code', i + 1];
      else throw reservedError(c);
      stack.push({ kind, offset: out.length, byte, ...(language ? { language } : {}) });
      continue;
    }
    const open = stack.pop()!;
    let url: string | undefined;
    if (open.kind === 'TextUrl' || open.kind === 'CustomEmoji') {
      i++;
      if (text[i] === '(') {
        const urlStart = i;
        url = '';
        for (i++; i < text.length && text[i] !== ')'; i++) {
          if (text[i] === '\\' && i + 1 < text.length) i++;
          url += text[i];
        }
        if (i >= text.length) throw new MarkupError(`Can't find end of a URL at byte offset ${byteOffset(text, urlStart)}`);
        i++;
      } else url = out.slice(open.offset);
    } else i += open.kind === 'Pre' ? 3 : open.kind === 'Underline' || open.kind === 'Spoiler' ? 2 : 1;
    if (out.length <= open.offset) continue;
    const entity: MessageEntity = { type: ENTITY_TYPE[open.kind], offset: open.offset, length: out.length - open.offset };
    if (open.language) entity.language = open.language;
    if (open.kind === 'TextUrl') {
      if (!url || !/^(https?|tg|mailto|ton):/i.test(url)) continue;
      entity.url = url;
    }
    entities.push(entity);
  }
  if (stack.length) {
    const open = stack[stack.length - 1]!;
    throw new MarkupError(`Can't find end of ${open.kind} entity at byte offset ${open.byte}`);
  }
  if (quoteStart >= 0 && out.length > quoteStart)
    entities.push({ type: 'blockquote', offset: quoteStart, length: out.length - quoteStart });
  return { text: out, entities: entities.sort((a, b) => a.offset - b.offset || b.length - a.length) };
}

/** The legacy `Markdown` mode: `*bold*`, `_italic_`, `` `code` ``, ```` ```pre``` ````, `[text](url)`; no nesting. */
export function parseMarkdownLegacy(text: string): Parsed {
  let out = '';
  const entities: MessageEntity[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && '_*`['.includes(text[i + 1] ?? '')) {
      out += text[i + 1];
      i += 2;
      continue;
    }
    if (!'_*`['.includes(c)) {
      out += c;
      i++;
      continue;
    }
    const begin = i;
    const closer = c === '[' ? ']' : text.startsWith('```', i) ? '```' : c;
    const from = i + (closer === '```' ? 3 : 1);
    const end = text.indexOf(closer, from);
    if (end < 0) throw new MarkupError(`Can't find end of the entity starting at byte offset ${byteOffset(text, begin)}`);
    const inner = text.slice(from, end);
    i = end + closer.length;
    const offset = out.length;
    if (c === '[') {
      const url = text[i] === '(' ? text.slice(i + 1, text.indexOf(')', i)) : '';
      if (url && text.indexOf(')', i) > 0) i = text.indexOf(')', i) + 1;
      out += inner;
      if (url && inner) entities.push({ type: 'text_link', offset, length: inner.length, url });
      continue;
    }
    out += inner;
    if (!inner) continue;
    const type = closer === '```' ? 'pre' : c === '`' ? 'code' : c === '*' ? 'bold' : 'italic';
    entities.push({ type, offset, length: inner.length });
  }
  return { text: out, entities };
}

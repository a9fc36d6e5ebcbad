import type { Part } from '../../core/plugin';
import type { Mentions } from './mentions';

type Node = Record<string, unknown> & { tag?: string };

/** A received post's body: `{ title, content: [[node]] }`, sometimes wrapped in a locale key. */
function body(content: Record<string, unknown>): { title?: string; lines: Node[][] } {
  const pick = (o: Record<string, unknown>) => ({
    title: typeof o.title === 'string' ? o.title : undefined,
    lines: (Array.isArray(o.content) ? o.content : []) as Node[][],
  });
  if (Array.isArray(content.content)) return pick(content);
  const locale = Object.values(content).find(
    (v): v is Record<string, unknown> => typeof v === 'object' && v !== null && Array.isArray((v as { content?: unknown }).content),
  );
  return locale ? pick(locale) : { lines: [] };
}

/** Rich text (post) to parts: text, links, mentions, code blocks, images and media, one line per paragraph. */
export function parsePost(content: Record<string, unknown>, mentions: Mentions): Part[] {
  const { title, lines } = body(content);
  const parts: Part[] = [];
  const text = (t: string) => {
    const last = parts[parts.length - 1];
    if (last?.type === 'text') last.text += t;
    else parts.push({ type: 'text', text: t });
  };
  if (title) text(`${title}\n`);
  lines.forEach((line, i) => {
    if (i > 0) text('\n');
    for (const node of Array.isArray(line) ? line : []) {
      switch (node.tag) {
        case 'text':
          text(String(node.text ?? ''));
          break;
        case 'a':
          parts.push({ type: 'link', url: String(node.href ?? ''), ...(node.text ? { text: String(node.text) } : {}) });
          break;
        case 'at': {
          const key = String(node.user_id ?? '');
          const name = typeof node.user_name === 'string' ? node.user_name : undefined;
          parts.push(
            key === 'all' || key === '@_all'
              ? mentions.part('@_all')
              : key.startsWith('@_')
                ? mentions.part(key, name)
                : mentions.byId(key, name),
          );
          break;
        }
        case 'code_block':
          parts.push({
            type: 'code',
            text: String(node.text ?? ''),
            ...(node.language ? { language: String(node.language).toLowerCase() } : {}),
          });
          break;
        case 'img':
          parts.push({ type: 'image', ref: String(node.image_key ?? '') });
          break;
        case 'media':
          parts.push({ type: 'video', ref: String(node.file_key ?? '') });
          break;
        case 'emotion':
          text(`:${String(node.emoji_type ?? '')}:`);
          break;
        case 'hr':
          text('\n---\n');
          break;
        case 'md':
          text(String(node.text ?? ''));
          break;
        default:
          if (typeof node.text === 'string') text(node.text);
      }
    }
  });
  return parts.filter((p) => !(p.type === 'text' && p.text === ''));
}

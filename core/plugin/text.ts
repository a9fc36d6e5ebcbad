import { createHash } from 'node:crypto';
import type { Part } from '../contract/schemas';

/** The readable text of message parts, as an agent that reads only `message.text` should see it. */
export function renderText(parts: readonly Part[]): string {
  return parts
    .map((p) => {
      switch (p.type) {
        case 'text':
          return p.text;
        case 'mention':
          return `@${p.name}`;
        case 'link':
          return p.text && p.text !== p.url ? `${p.text} (${p.url})` : p.url;
        case 'code':
          return `\n\`\`\`${p.language ?? ''}\n${p.text}\n\`\`\`\n`;
        case 'share':
          return `[shared ${p.kind}${p.name ? `: ${p.name}` : ''}]`;
        case 'card':
          return p.title ? `[card: ${p.title}] ${p.text}` : `[card] ${p.text}`;
        default:
          return `[${p.type}${p.name ? `: ${p.name}` : ''}]`;
      }
    })
    .join('');
}

/**
 * A platform idempotency key from an agent's id: the id itself when it fits `maxLength` and the
 * platform's alphabet, else a stable SHA-256 prefix (so retries of one envelope map to one key).
 */
export function hashId(id: string, maxLength: number, allowed = /^[A-Za-z0-9_-]+$/): string {
  if (id.length <= maxLength && allowed.test(id)) return id;
  return createHash('sha256').update(id).digest('hex').slice(0, maxLength);
}

/** Plain text from markdown: for platforms (or fallbacks) that render no markup. */
export function markdownToPlain(md: string): string {
  return md
    .replace(/^```[^\n]*\n([\s\S]*?)^```\s*$/gm, '$1')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/!\[([^\]]*)\]\(([^)]+)\)/g, '$1 ($2)')
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1 ($2)')
    .replace(/^#{1,6}\s+/gm, '')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[^*])\*([^*\n]+)\*/g, '$1$2')
    .replace(/~~(.+?)~~/g, '$1')
    .replace(/^\s*>\s?/gm, '')
    .replace(/^\s*[-*+]\s+/gm, '• ');
}

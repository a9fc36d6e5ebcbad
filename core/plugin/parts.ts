import type { Part } from '../contract/schemas';

/**
 * Adds `text` at the end of `parts`: into the last part when that is text too, so the parts of a
 * message never hold two texts in a row. Empty text adds nothing.
 */
export function appendText(parts: Part[], text: string): void {
  if (!text) return;
  const last = parts.at(-1);
  if (last?.type === 'text') last.text += text;
  else parts.push({ type: 'text', text });
}

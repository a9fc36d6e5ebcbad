/** Parse modes: markup in, plain text and entities out, as Telegram stores a sent message. */
import type { MessageEntity } from './types';

export interface Parsed {
  text: string;
  entities: MessageEntity[];
}

/** A markup error; the API answers `400 Bad Request: can't parse entities: <message>`. */
export class MarkupError extends Error {}

/** UTF-8 byte offset of a string index: what Telegram's parse errors report. */
export function byteOffset(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, index));
}

/**
 * Drops leading and trailing whitespace from a message text, as Telegram does, moving and cutting
 * the entities with it.
 */
export function trimParsed(p: Parsed): Parsed {
  const lead = p.text.length - p.text.trimStart().length;
  const text = p.text.trim();
  const entities = p.entities
    .map((e) => {
      const start = Math.max(0, e.offset - lead);
      const end = Math.min(text.length, e.offset + e.length - lead);
      return { ...e, offset: start, length: end - start };
    })
    .filter((e) => e.length > 0);
  return { text, entities };
}

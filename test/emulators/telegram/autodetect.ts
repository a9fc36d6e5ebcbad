/**
 * The entities Telegram's servers find in typed text without any markup: bot commands, @mentions,
 * URLs, hashtags, emails. Injected user messages get them unless a test gives its own.
 */
import type { MessageEntity } from './types';

const PATTERNS: Array<[string, RegExp]> = [
  ['bot_command', /(?<![\w/])\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{5,32})?(?![\w@])/g],
  ['email', /(?<![\w.@])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w@])/g],
  ['mention', /(?<![\w@])@[A-Za-z0-9_]{5,32}(?!\w)/g],
  ['url', /(?<![\w@])(?:https?:\/\/|www\.)[^\s<>"]+[^\s<>".,;:!?)\]'"]/g],
  ['hashtag', /(?<![\w#])#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*/gu],
];

export function detectEntities(text: string): MessageEntity[] {
  const found: MessageEntity[] = [];
  for (const [type, re] of PATTERNS) {
    for (const m of text.matchAll(re)) found.push({ type, offset: m.index!, length: m[0].length });
  }
  found.sort((a, b) => a.offset - b.offset || b.length - a.length);
  const kept: MessageEntity[] = [];
  for (const e of found) if (!kept.some((k) => e.offset < k.offset + k.length && k.offset < e.offset + e.length)) kept.push(e);
  return kept;
}

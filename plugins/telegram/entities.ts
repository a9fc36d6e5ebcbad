import { appendText, type Part } from '../../core/plugin';
import type { MessageEntity } from './types';

/** The bot, as `getMe` describes it: whose mentions and commands are `self`. */
export interface BotIdentity {
  id: number;
  username: string;
}

/** Entity types that become parts of their own; formatting (bold, italic, ...) stays plain text. */
const STRUCTURAL = new Set(['mention', 'text_mention', 'bot_command', 'url', 'text_link', 'pre', 'code']);

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The parts of one entity's text, or undefined when it stays text. */
function entityParts(e: MessageEntity, text: string, bot: BotIdentity): Part[] | undefined {
  switch (e.type) {
    case 'mention': {
      const name = text.replace(/^@/, '');
      const self = sameName(name, bot.username);
      return [{ type: 'mention', id: self ? String(bot.id) : text, name: self ? bot.username : name, self }];
    }
    case 'text_mention':
      return e.user ? [{ type: 'mention', id: String(e.user.id), name: text, self: e.user.id === bot.id }] : undefined;
    case 'bot_command': {
      // `/start@this_bot`: the command as text, the bot as a mention, so it renders as typed.
      const at = text.indexOf('@');
      if (at < 0 || !sameName(text.slice(at + 1), bot.username)) return undefined;
      return [
        { type: 'text', text: text.slice(0, at) },
        { type: 'mention', id: String(bot.id), name: bot.username, self: true },
      ];
    }
    case 'url':
      return [{ type: 'link', url: text }];
    case 'text_link':
      return e.url ? [{ type: 'link', url: e.url, text }] : undefined;
    case 'pre':
      return [{ type: 'code', text, ...(e.language ? { language: e.language } : {}) }];
    case 'code':
      // Inline code reads best kept in its sentence; a `code` part renders as a block.
      return [{ type: 'text', text: `\`${text}\`` }];
    default:
      return undefined;
  }
}

/**
 * Splits message text into parts by its entities: mentions (self for this bot's @username, a
 * text_mention of it, or `/command@this_bot`), links, code blocks; everything else is text. Offsets
 * are UTF-16 code units, as JavaScript indexes strings.
 */
export function textParts(text: string, entities: MessageEntity[] | undefined, bot: BotIdentity): Part[] {
  const parts: Part[] = [];
  let pos = 0;
  const sorted = (entities ?? []).filter((e) => STRUCTURAL.has(e.type)).sort((a, b) => a.offset - b.offset || b.length - a.length);
  for (const e of sorted) {
    if (e.offset < pos || e.offset + e.length > text.length) continue;
    const inner = text.slice(e.offset, e.offset + e.length);
    const ps = entityParts(e, inner, bot);
    if (!ps) continue;
    appendText(parts, text.slice(pos, e.offset));
    for (const p of ps) {
      if (p.type === 'text') appendText(parts, p.text);
      else parts.push(p);
    }
    pos = e.offset + e.length;
  }
  appendText(parts, text.slice(pos));
  return parts;
}

/** True when a bare command (`/help`, no `@bot`) opens the text: in a group it is addressed to the bots there. */
export function startsWithBareCommand(text: string, entities: MessageEntity[] | undefined): boolean {
  return (entities ?? []).some((e) => e.type === 'bot_command' && e.offset === 0 && !text.slice(0, e.length).includes('@'));
}

/** `reply_markup` of a bot's message: an inline keyboard, checked as Telegram checks it. */
import { bad, json } from './methods';
import type { Answer } from './updates';

export interface InlineButton {
  text: string;
  callback_data?: string;
  url?: string;
}

export interface InlineKeyboard {
  inline_keyboard: InlineButton[][];
}

/** The markup given, undefined when none, or Telegram's refusal. Only inline keyboards are emulated. */
export function inlineKeyboard(raw: unknown): InlineKeyboard | undefined | Answer {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const markup = json(raw) as { inline_keyboard?: unknown } | undefined;
  if (!markup || typeof markup !== 'object') return bad("can't parse reply keyboard markup JSON object");
  if (!('inline_keyboard' in markup)) return undefined;
  const rows = markup.inline_keyboard;
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) return bad('field "inline_keyboard" must be an Array of Arrays');
  for (const row of rows as unknown[][]) {
    for (const b of row as Array<Partial<InlineButton>>) {
      if (typeof b?.text !== 'string' || !b.text.trim()) return bad('text buttons are unallowed in the inline keyboard');
      if (b.callback_data !== undefined) {
        const bytes = Buffer.byteLength(String(b.callback_data));
        if (bytes < 1 || bytes > 64) return bad('BUTTON_DATA_INVALID');
      } else if (b.url === undefined) return bad('text buttons are unallowed in the inline keyboard');
    }
  }
  const keyboard = (rows as InlineButton[][]).filter((r) => r.length);
  return keyboard.length ? { inline_keyboard: keyboard } : undefined;
}

export const sameMarkup = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

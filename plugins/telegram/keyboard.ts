import type { ActionButton } from '../../core/plugin';

/** Buttons side by side in one row of the inline keyboard; more go on the next rows. */
const PER_ROW = 3;
/** Telegram shows at most this many characters of a button's text before cutting it. */
const LABEL_LIMIT = 64;

/**
 * The buttons as an inline keyboard. `callback_data` is the token core put on each button (at most
 * 24 characters, well within Telegram's 64 bytes): a click brings it back and core maps it to the
 * button's id and value. Telegram's buttons have no colours: `style` is not shown.
 */
export function inlineKeyboard(
  actions: ActionButton[],
): { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> } | undefined {
  if (!actions.length) return undefined;
  const rows: Array<Array<{ text: string; callback_data: string }>> = [];
  actions.forEach((a, i) => {
    if (i % PER_ROW === 0) rows.push([]);
    rows[rows.length - 1]!.push({ text: [...a.label].slice(0, LABEL_LIMIT).join(''), callback_data: a.token });
  });
  return { inline_keyboard: rows };
}

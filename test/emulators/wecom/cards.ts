import { Buffer } from 'node:buffer';
import { MAX_BUTTONS, type Card, type ErrName } from './types';

const TASK_ID = /^[A-Za-z0-9_\-@]{1,128}$/;
const CARD_TYPES = new Set(['text_notice', 'news_notice', 'button_interaction', 'vote_interaction', 'multiple_interaction']);

/**
 * A template card checked as WeCom checks one: a known `card_type`; `task_id` (letters, digits, `_-@`,
 * at most 128 bytes) on interactive cards; `button_interaction` with 1-6 buttons, each with `text` and a
 * unique `key` of at most 1,024 bytes; `text_notice` / `button_interaction` with a `main_title.title`.
 */
export function parseCard(raw: unknown): { card: Card } | { err: ErrName; why: string } {
  if (!raw || typeof raw !== 'object') return { err: 'invalidParam', why: 'template_card missing' };
  const c = raw as Record<string, unknown>;
  const type = String(c.card_type ?? '');
  if (!CARD_TYPES.has(type)) return { err: 'invalidParam', why: `card_type ${type}` };
  const interactive = type !== 'text_notice' && type !== 'news_notice';
  const taskId = typeof c.task_id === 'string' ? c.task_id : '';
  if (interactive && !TASK_ID.test(taskId)) return { err: 'invalidParam', why: `task_id ${JSON.stringify(c.task_id)}` };
  const title = (c.main_title as { title?: unknown } | undefined)?.title;
  if ((type === 'text_notice' || type === 'button_interaction') && (typeof title !== 'string' || !title))
    return { err: 'invalidParam', why: 'main_title.title' };
  const list = Array.isArray(c.button_list) ? (c.button_list as Array<Record<string, unknown>>) : [];
  if (type === 'button_interaction') {
    if (list.length < 1 || list.length > MAX_BUTTONS) return { err: 'invalidParam', why: `${list.length} buttons (1-${MAX_BUTTONS})` };
    const keys = new Set<string>();
    for (const b of list) {
      const key = b.key;
      if (typeof b.text !== 'string' || !b.text) return { err: 'invalidParam', why: 'button without text' };
      if (typeof key !== 'string' || !key || Buffer.byteLength(key) > 1024 || keys.has(key))
        return { err: 'invalidParam', why: `button key ${JSON.stringify(key)}` };
      keys.add(key);
    }
  }
  return {
    card: {
      taskId,
      type,
      ...(typeof title === 'string' ? { title } : {}),
      ...(typeof c.sub_title_text === 'string' ? { text: c.sub_title_text } : {}),
      buttons: list.map((b) => ({ text: String(b.text), key: String(b.key), ...(typeof b.style === 'number' ? { style: b.style } : {}) })),
      raw: c,
    },
  };
}

/**
 * Card callbacks (`card.action.trigger`, schema 2.0) and the bot menu (`application.bot.menu_v6`), as
 * Feishu delivers them: over the long connection as an `event` frame or a `card` frame, or POSTed to a
 * webhook. Feishu waits 3 s for the answer; a late or missing answer shows the user error 200340, an
 * answer that is neither empty nor a valid toast/card 200672.
 */
import type { AppState } from './apps';
import { envelope, type SchemaV2Event } from './events';
import { hex, newEventId } from './ids';
import type { StoredMessage } from './messages';

/** Feishu's deadline for answering a card callback. */
export const CALLBACK_DEADLINE_MS = 3000;
export const CallbackCodes = { timeout: 200340, illegalAnswer: 200672 } as const;
const TOAST_TYPES = ['info', 'success', 'error', 'warning'];

/** A button of a JSON 2.0 card the bot sent. */
export interface CardButton {
  label: string;
  type: string;
  /** The `value` of its callback behavior: what a click carries back. */
  value: unknown;
}

/** How a click reaches the app. */
export type CallbackRoute = { via: 'event' | 'card' } | { via: 'webhook'; url: string; encryptKey?: string; verificationToken?: string };

/** What the user sees after a click: `code` 0, or the error Feishu shows (200340 late, 200672 bad answer). */
export interface CallbackOutcome {
  code: number;
  /** The app's answer, decoded. */
  answer?: unknown;
  latencyMs: number;
  event: SchemaV2Event;
}

/** The buttons (in order) of a card message the bot sent. */
export function buttonsOf(m: StoredMessage): CardButton[] {
  if (m.msgType !== 'interactive') return [];
  const out: CardButton[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.tag === 'button') {
        const behaviors = (o.behaviors as Array<{ type?: string; value?: unknown }> | undefined) ?? [];
        out.push({
          label: String((o.text as { content?: string } | undefined)?.content ?? ''),
          type: String(o.type ?? 'default'),
          value: behaviors.find((b) => b.type === 'callback')?.value ?? o.value,
        });
      } else Object.values(o).forEach(walk);
    }
  };
  walk(JSON.parse(m.rawContent));
  return out;
}

/** A `card.action.trigger` event for a click by `operatorOpenId` on `value`, on message `m`. */
export function cardActionEvent(
  app: AppState,
  m: { messageId: string; chatId: string },
  operatorOpenId: string,
  value: unknown,
): SchemaV2Event {
  return envelope(app, 'card.action.trigger', {
    operator: { tenant_key: app.tenantKey, user_id: operatorOpenId.slice(3, 11), open_id: operatorOpenId, union_id: `on_${hex(16)}` },
    token: `c-${hex(20)}`,
    action: { value, tag: 'button' },
    host: 'im_message',
    context: { open_message_id: m.messageId, open_chat_id: m.chatId },
  });
}

/** An `application.bot.menu_v6` event: `operatorOpenId` chose the menu item `eventKey`. */
export function menuEvent(app: AppState, operatorOpenId: string, eventKey: string, name = 'Tom'): SchemaV2Event {
  return envelope(
    app,
    'application.bot.menu_v6',
    {
      operator: {
        operator_name: name,
        operator_id: { union_id: `on_${hex(16)}`, user_id: operatorOpenId.slice(3, 11), open_id: operatorOpenId },
      },
      event_key: eventKey,
      timestamp: Math.floor(Date.now() / 1000),
    },
    newEventId(),
  );
}

/** Judges an app's answer as the Feishu client does: empty, a toast, or a card. */
export function judgeAnswer(answer: unknown): number {
  if (answer === undefined || answer === null) return 0;
  if (typeof answer !== 'object' || Array.isArray(answer)) return CallbackCodes.illegalAnswer;
  const a = answer as Record<string, unknown>;
  for (const k of Object.keys(a)) if (k !== 'toast' && k !== 'card') return CallbackCodes.illegalAnswer;
  if (a.toast !== undefined) {
    const t = a.toast as Record<string, unknown> | null;
    if (!t || !TOAST_TYPES.includes(String(t.type)) || typeof t.content !== 'string' || !t.content) return CallbackCodes.illegalAnswer;
  }
  if (a.card !== undefined) {
    const c = a.card as Record<string, unknown> | null;
    if (!c || (c.type !== 'raw' && c.type !== 'template') || typeof c.data !== 'object') return CallbackCodes.illegalAnswer;
  }
  return 0;
}

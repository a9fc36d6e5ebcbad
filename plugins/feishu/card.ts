import { DeliveryError, type ActionButton } from '../../core/plugin';
import type { FeishuMessage } from './api';

/** Feishu shows at most 100 characters of a button's text. */
const LABEL_LIMIT = 100;
/** The key of a button's callback value that holds core's token: the only thing the platform carries back. */
export const TOKEN_KEY = 'cg';

const STYLES: Record<ActionButton['style'], string> = { default: 'default', primary: 'primary_filled', danger: 'danger' };

/** A JSON 2.0 card button whose callback `value` is `{ cg: <token> }`; the agent's id and value stay with core. */
export function buttonElement(b: ActionButton): Record<string, unknown> {
  const label = b.label.length > LABEL_LIMIT ? `${b.label.slice(0, LABEL_LIMIT - 1)}…` : b.label;
  return {
    tag: 'button',
    text: { tag: 'plain_text', content: label },
    type: STYLES[b.style],
    behaviors: [{ type: 'callback', value: { [TOKEN_KEY]: b.token } }],
  };
}

/** The token a click carries back in `action.value`, when it is one of the channel's buttons. */
export function tokenOf(value: unknown): string | undefined {
  const v = typeof value === 'string' ? safeParse(value) : value;
  const token = (v as Record<string, unknown> | undefined)?.[TOKEN_KEY];
  return typeof token === 'string' && token ? token : undefined;
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** The card (JSON 2.0) elements showing a message's content: a card's own, markdown, or plain text. */
function elementsOf(m: FeishuMessage): unknown[] {
  const content = JSON.parse(m.content) as Record<string, unknown>;
  if (m.msgType === 'interactive') {
    const body = content.body as { elements?: unknown[] } | undefined;
    if (content.schema !== '2.0' || !Array.isArray(body?.elements))
      throw DeliveryError.permanent('buttons go into JSON 2.0 cards only: give native as { schema: "2.0", body: { elements } }', {
        code: 'E_SCHEMA',
      });
    return body.elements;
  }
  if (m.msgType === 'post') {
    const md = (content as { zh_cn?: { content?: Array<Array<{ tag?: string; text?: string }>> } }).zh_cn?.content?.[0]?.[0];
    if (md?.tag === 'md' && typeof md.text === 'string') return [{ tag: 'markdown', content: md.text }];
  }
  if (m.msgType === 'text' && typeof content.text === 'string') return [{ tag: 'div', text: { tag: 'plain_text', content: content.text } }];
  throw DeliveryError.permanent(`buttons cannot go under a native ${m.msgType} message: send a JSON 2.0 card with your own buttons`, {
    code: 'E_UNSUPPORTED',
  });
}

/**
 * The message with the buttons under its content, as one JSON 2.0 card: Feishu has buttons only in
 * cards, so a text or markdown piece that carries buttons is sent as a card.
 */
export function withButtons(m: FeishuMessage, buttons: ActionButton[]): FeishuMessage {
  if (!buttons.length) return m;
  const content = m.msgType === 'interactive' ? (JSON.parse(m.content) as Record<string, unknown>) : { schema: '2.0' };
  const elements = [...elementsOf(m), ...buttons.map(buttonElement)];
  return { msgType: 'interactive', content: JSON.stringify({ ...content, body: { ...((content.body as object) ?? {}), elements } }) };
}

import type { ActionDraft, PublishResult } from '../../core/plugin';
import { tokenOf } from './card';

type Ids = { open_id?: string; user_id?: string; union_id?: string };

/** `card.action.trigger` as the SDK hands it to a handler (header fields merged with the event). */
export interface CardActionEvent {
  event_id?: string;
  /** The callback token (valid 30 minutes, for delayed card updates); the event's own, not the verification token. */
  token?: string;
  create_time?: string;
  operator?: Ids & { name?: string };
  action?: { value?: unknown; tag?: string; name?: string };
  host?: string;
  context?: { open_message_id?: string; open_chat_id?: string };
  /** Older and alternative surfaces put the ids at the top. */
  open_message_id?: string;
  open_chat_id?: string;
}

/** `application.bot.menu_v6`: a bot-menu item chosen in the bot's direct chat. */
export interface BotMenuEvent {
  event_id?: string;
  event_key?: string;
  timestamp?: number;
  operator?: { operator_name?: string; operator_id?: Ids };
}

const idOf = (ids: Ids | undefined) => ids?.open_id ?? ids?.user_id ?? ids?.union_id;
const timeOf = (ms: unknown) => (Number(ms) > 0 ? new Date(Number(ms)) : undefined);

/**
 * A click on a card button as an action draft, or why it is none. The token is what the button's
 * callback value carries (`{ cg: <token> }`); the message and chat are the card's, from `context`, so
 * core can refuse a token clicked on another message or chat; `chatType` tells a direct chat from a
 * group (Feishu's callback does not say). The event key is the event id, the
 * same in every redelivery (the callback token where there is none).
 */
export function cardActionDraft(
  e: CardActionEvent,
  chatType: (chatId: string, messageId: string) => 'direct' | 'group',
): ActionDraft | string {
  const chatId = e.context?.open_chat_id ?? e.open_chat_id;
  const messageId = e.context?.open_message_id ?? e.open_message_id;
  const sender = idOf(e.operator);
  const key = e.event_id ?? e.token;
  if (!chatId || !messageId || !sender || !key) return 'a card callback without chat, message, operator or event id';
  const token = tokenOf(e.action?.value);
  if (!token) return `a click on a button the channel did not render (action.value ${JSON.stringify(e.action?.value ?? null)})`;
  const time = timeOf(e.create_time);
  return {
    kind: 'action',
    eventKey: key,
    token,
    messageId,
    conversation: { id: chatId, type: chatType(chatId, messageId) },
    sender: { id: sender, kind: 'user', ...(e.operator?.name ? { name: e.operator.name } : {}) },
    ...(time ? { time } : {}),
  };
}

/**
 * A bot-menu item as an action draft (`menu` = its event key). Feishu names no chat: the menu lives in
 * the bot's direct chat with the operator, which an answer reaches through their open_id.
 */
export function menuDraft(e: BotMenuEvent): ActionDraft | string {
  const user = idOf(e.operator?.operator_id);
  if (!user || !e.event_key || !e.event_id) return 'a bot-menu event without operator, event_key or event id';
  const time = timeOf(e.timestamp ? e.timestamp * (e.timestamp < 1e12 ? 1000 : 1) : undefined);
  return {
    kind: 'action',
    eventKey: e.event_id,
    menu: e.event_key,
    conversation: { id: user, type: 'direct' },
    sender: { id: user, kind: 'user', ...(e.operator?.operator_name ? { name: e.operator.operator_name } : {}) },
    ...(time ? { time } : {}),
  };
}

/**
 * The answer to a card callback (within Feishu's 3 s, after the click is stored): empty, so the card
 * stays as it is until the agent edits it; a refused click gets an error toast saying why.
 */
export function callbackAnswer(result: PublishResult | undefined): Record<string, unknown> {
  if (result?.outcome === 'denied') return { toast: { type: 'error', content: 'This button is no longer valid.' } };
  return {};
}

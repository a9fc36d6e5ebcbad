import { DeliveryError, chunkText, type ActionButton } from '../../core/plugin';
import type { MessageArgs } from './api';
import { unescapeSlack } from './text';

/** Block Kit's limits: 50 blocks a message, 3,000 characters of section text, 75 of a button label. */
export const MAX_BLOCKS = 50;
const SECTION_LIMIT = 3000;
const LABEL_LIMIT = 75;
/** The block that holds the buttons: its id tells the channel's own buttons from an agent's native ones. */
export const ACTIONS_BLOCK_ID = 'cg_actions';

/**
 * The buttons as an actions block. The token core gave each button is both its `action_id` (unique in
 * the message, as Slack wants) and its `value`, so a click carries it back whichever Slack reports;
 * the agent's own id and value stay with core.
 */
export function actionsBlock(buttons: ActionButton[]): Record<string, unknown> {
  return {
    type: 'actions',
    block_id: ACTIONS_BLOCK_ID,
    elements: buttons.map((b) => ({
      type: 'button',
      text: { type: 'plain_text', text: b.label.length > LABEL_LIMIT ? `${b.label.slice(0, LABEL_LIMIT - 1)}…` : b.label, emoji: true },
      action_id: b.token,
      value: b.token,
      ...(b.style !== 'default' ? { style: b.style } : {}),
    })),
  };
}

/**
 * A message with buttons under its text: the text as section blocks (mrkdwn, or plain_text for plain
 * text, each under 3,000 characters) then the actions block; `text` stays as the notification
 * fallback. Native blocks get the actions block after them.
 */
export function withButtons(piece: MessageArgs, buttons: ActionButton[]): MessageArgs {
  if (!buttons.length) return piece;
  const before = piece.blocks ?? sections(piece);
  if (before.length + 1 > MAX_BLOCKS)
    throw DeliveryError.permanent(`the message has ${before.length} blocks and its buttons one more; Slack takes at most ${MAX_BLOCKS}`, {
      code: 'E_TOO_LARGE',
    });
  return { ...piece, blocks: [...before, actionsBlock(buttons)] };
}

function sections(piece: MessageArgs): unknown[] {
  if (!piece.text.trim()) return [];
  const plain = piece.mrkdwn === false;
  const text = plain ? unescapeSlack(piece.text) : piece.text;
  return chunkText(text, SECTION_LIMIT, (s) => s.length).map((t) => ({
    type: 'section',
    text: plain ? { type: 'plain_text', text: t, emoji: false } : { type: 'mrkdwn', text: t },
  }));
}

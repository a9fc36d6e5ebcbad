import { createHash } from 'node:crypto';
import type { Button, OutboundEnvelope } from '../contract/schemas';
import { DeliveryError } from '../errors';
import type { ResolvedCapabilities } from '../plugin/capabilities';
import type { ActionButton } from '../plugin/types';
import type { Outbox, StoredAction } from './outbox';

/**
 * The token of button `index` of envelope `id`: the same on every attempt and replica (a retried send
 * renders the same buttons), 22 characters of base64url, which fits every platform's callback data.
 * A click is accepted only if its token is among the ones core recorded for the message, so a token
 * cannot be forged into a click on a message that never had it.
 */
export function actionToken(channel: string, account: string, id: string, index: number): string {
  return createHash('sha256').update(`${channel}\n${account}\n${id}\n${index}`).digest('base64url').slice(0, 22);
}

/**
 * The buttons of an envelope as the plugin renders them and as core remembers them, with their
 * tokens recorded (before the message goes out, so an early click resolves). Envelopes without
 * buttons give none; a channel without buttons gets none and a numbered list in the text instead.
 */
export async function prepareActions(
  env: OutboundEnvelope,
  messageEnvelope: string,
  conversation: string | undefined,
  caps: ResolvedCapabilities,
  outbox: Outbox,
  names: { channel: string; account: string },
): Promise<{ envelope: OutboundEnvelope; buttons: ActionButton[]; stored: StoredAction[] }> {
  const actions = env.actions;
  if (!actions) return { envelope: env, buttons: [], stored: [] };
  if (!caps.actions)
    return { envelope: { ...withoutActions(env), text: numbered(env.text ?? '', actions, env.format) }, buttons: [], stored: [] };
  if (actions.length > caps.actions.max) {
    throw DeliveryError.permanent(
      `${names.channel} shows at most ${caps.actions.max} buttons under a message; this one has ${actions.length}: send fewer, or split them over messages`,
      {
        code: 'E_UNSUPPORTED',
      },
    );
  }
  const ids = new Set<string>();
  for (const a of actions) {
    if (ids.has(a.id)) throw DeliveryError.permanent(`two buttons have id "${a.id}": give each its own id`, { code: 'E_SCHEMA' });
    ids.add(a.id);
  }
  const stored = actions.map((a, i) => ({
    token: actionToken(names.channel, names.account, env.id, i),
    id: a.id,
    ...(a.value !== undefined ? { value: a.value } : {}),
  }));
  await Promise.all(
    stored.map((s, index) => outbox.putAction(s.token, { envelope: messageEnvelope, index, ...(conversation ? { conversation } : {}) })),
  );
  const buttons = actions.map((a, i) => ({ id: a.id, label: a.label, style: a.style ?? 'default', token: stored[i]!.token }));
  return { envelope: env, buttons, stored };
}

function withoutActions(env: OutboundEnvelope): OutboundEnvelope {
  const copy = { ...env };
  delete copy.actions;
  return copy;
}

/** The buttons as a numbered list under the text, for a channel without buttons. */
export function numbered(text: string, actions: Button[], format: OutboundEnvelope['format']): string {
  const lines = actions.map((a, i) => `${i + 1}. ${format === 'markdown' ? a.label.replace(/([\\`*_[\]#>-])/g, '\\$1') : a.label}`);
  return `${text}${text ? '\n\n' : ''}${lines.join('\n')}`;
}

import { DeliveryError, type OutboundEnvelope, type SendInfo } from '../../core/plugin';
import type { BubbleContent } from './protocol';
import type { Files } from './files';

/** Neutral reaction names as the page shows them; a single emoji passes through as it is. */
const EMOJI: Record<string, string> = {
  thumbsup: '👍',
  thumbsdown: '👎',
  eyes: '👀',
  check: '✅',
  done: '✅',
  cross: '❌',
  heart: '❤️',
  smile: '😄',
  tada: '🎉',
  thinking: '🤔',
  fire: '🔥',
  pray: '🙏',
  ok: '👌',
};

/** The emoji a reaction request shows, or an `E_UNSUPPORTED` error listing the names the page knows. */
export function emojiOf(name: string): string {
  const known = EMOJI[name];
  if (known) return known;
  // One emoji (with its modifiers and joiners): shown as given.
  if (/^\p{Extended_Pictographic}[\p{Extended_Pictographic}\u200d\ufe0f\p{Emoji_Modifier}]*$/u.test(name)) return name;
  throw DeliveryError.permanent(`the web chat has no emoji "${name}": use one of ${Object.keys(EMOJI).join(', ')}, or an emoji character`, {
    code: 'E_UNSUPPORTED',
  });
}

/** The platform id of the bubble an envelope created. */
export const bubbleId = (envelopeId: string) => `wc_${envelopeId}`;

/** What a bubble shows for an envelope: text, buttons (with core's tokens) and files under gateway links. */
export function bubble(env: OutboundEnvelope, info: SendInfo, files: Files, base: string, streaming: boolean): BubbleContent {
  if (env.native) throw DeliveryError.permanent('the web chat has no native payloads; send text', { code: 'E_UNSUPPORTED' });
  return {
    text: env.text ?? '',
    format: env.format ?? 'plain',
    actions: info.actions.map((a) => ({ token: a.token, label: a.label, style: a.style })),
    files: info.attachments.map((f) => files.link(f, base)),
    streaming,
  };
}

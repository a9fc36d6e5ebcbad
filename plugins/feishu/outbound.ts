import { DeliveryError, hashId, type OutboundEnvelope } from '../../core/plugin';
import type { FeishuMessage } from './api';
import { CARD_LIMIT, TEXT_LIMIT, cardContent, markdownPieces, postMdContent, textContent, textPieces } from './markdown';
import type { FeishuOptions } from './options';

/** Where a message goes: a reply to a message, or a new message to a chat or user. */
export type Target = { kind: 'reply'; messageId: string } | { kind: 'create'; receiveIdType: string; receiveId: string };

const ID_TYPES: Array<[RegExp, string]> = [
  [/^oc_/, 'chat_id'],
  [/^ou_/, 'open_id'],
  [/^on_/, 'union_id'],
  [/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'email'],
];

/** `replyTo` wins; otherwise the receive_id_type follows the id's prefix (oc_ chat, ou_ open id, on_ union id). */
export function targetOf(env: OutboundEnvelope): Target {
  if (env.replyTo) return { kind: 'reply', messageId: env.replyTo };
  const id = env.conversation!.id;
  const type = ID_TYPES.find(([re]) => re.test(id))?.[1];
  if (!type) {
    throw DeliveryError.permanent(
      `cannot tell the Feishu id type of conversation.id "${id}": use a chat_id (oc_...), open_id (ou_...), union_id (on_...) or an email`,
      { code: 'E_SCHEMA' },
    );
  }
  return { kind: 'create', receiveIdType: type, receiveId: id };
}

/** The native payload an agent passed: `{ msg_type, content }`, content as an object or a JSON string. */
function nativeMessage(native: Record<string, unknown>): FeishuMessage {
  const msgType = native.msg_type;
  if (typeof msgType !== 'string' || !msgType) {
    throw DeliveryError.permanent('native must be a Feishu message: { "msg_type": "interactive", "content": {...} }', { code: 'E_SCHEMA' });
  }
  const content = typeof native.content === 'string' ? native.content : JSON.stringify(native.content ?? null);
  if (typeof native.content === 'string') {
    try {
      JSON.parse(native.content);
    } catch {
      throw DeliveryError.permanent('native.content is a string but not JSON; pass an object or a JSON string', { code: 'E_SCHEMA' });
    }
  }
  if (native.content === undefined || native.content === null)
    throw DeliveryError.permanent('native.content is missing', { code: 'E_SCHEMA' });
  const limit = msgType === 'text' ? TEXT_LIMIT : CARD_LIMIT;
  if (Buffer.byteLength(content) > limit) {
    throw DeliveryError.permanent(`native ${msgType} content is ${Buffer.byteLength(content)} bytes; Feishu accepts at most ${limit}`, {
      code: 'E_TOO_LARGE',
    });
  }
  return { msgType, content };
}

/**
 * The Feishu messages for one envelope: the native payload as given, markdown as cards (or `md` posts)
 * split by size and table count, plain text split under the text limit. Each gets a `uuid` derived
 * from the envelope id, so a retried envelope never posts a piece twice.
 */
export function renderMessages(
  env: OutboundEnvelope,
  opts: Pick<FeishuOptions, 'markdown' | 'maxTablesPerCard'>,
): Array<FeishuMessage & { uuid: string }> {
  let messages: FeishuMessage[];
  if (env.native) messages = [nativeMessage(env.native)];
  else if (env.format === 'markdown') {
    const pieces = markdownPieces(env.text ?? '', opts.maxTablesPerCard);
    messages = pieces.map((md) =>
      opts.markdown === 'post' ? { msgType: 'post', content: postMdContent(md) } : { msgType: 'interactive', content: cardContent(md) },
    );
  } else messages = textPieces(env.text ?? '').map((t) => ({ msgType: 'text', content: textContent(t) }));
  if (messages.length === 0) throw DeliveryError.permanent('text is empty: Feishu does not send empty messages', { code: 'E_SCHEMA' });
  return messages.map((m, i) => ({ ...m, uuid: hashId(messages.length === 1 ? env.id : `${env.id}#${i}`, 50) }));
}

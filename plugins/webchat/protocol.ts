/**
 * Frames between the page and the gateway, JSON over the WebSocket.
 * Page → gateway: `{ type: 'message', id, text }` (id: the page's id of the message, stable across resends).
 * Gateway → page: `ack` (stored; the page stops resending), `error` (not stored: with `retry`, resend
 * later; without, the message `id` names is refused for good, e.g. too long, and must not be sent again),
 * `reply` (an agent's answer), `message` (the visitor's own message sent from another tab).
 */
export type ClientFrame = { type: 'message'; id: string; text: string };

export type ServerFrame =
  | { type: 'ack'; id: string }
  | { type: 'error'; id?: string; message: string; retry: boolean }
  | { type: 'reply'; id: string; text: string; format: 'plain' | 'markdown'; replyTo?: string; time: string }
  | { type: 'message'; id: string; text: string; time: string };

export const ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/** Parses a frame from the page, or says what is wrong with it (and which message, when its id was readable). */
export function parseClientFrame(raw: string, maxLength: number): ClientFrame | { error: string; id?: string } {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return { error: 'frame is not JSON' };
  }
  const f = v as Partial<ClientFrame>;
  if (f?.type !== 'message') return { error: 'unknown frame type' };
  if (typeof f.id !== 'string' || !ID_PATTERN.test(f.id)) return { error: 'message id must be 8-64 characters of A-Z a-z 0-9 _ -' };
  if (typeof f.text !== 'string' || f.text.trim() === '') return { error: 'message text is empty', id: f.id };
  if (f.text.length > maxLength) return { error: `message is longer than ${maxLength} characters`, id: f.id };
  return { type: 'message', id: f.id, text: f.text };
}

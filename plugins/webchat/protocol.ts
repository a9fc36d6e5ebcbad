/**
 * Frames between the page and the gateway, JSON over the WebSocket.
 *
 * Page → gateway: `message` (id: the page's id of the message, stable across resends; `files`: the
 * receipts the upload route gave) and `click` (a button: the bubble's message id and the button's token;
 * id: the page's id of the click, stable across resends).
 *
 * Gateway → page: `hello` (who the connection is), `ack` (a message or click is stored; stop
 * resending), `error` (not stored: with `retry`, resend after `retryAfterMs`; without, the message `id`
 * names is refused for good), `reply` (an agent's message), `update` (its new content, a stream's next
 * frame included; `streaming: false` once final), `delete`, `typing`, `reaction` (the bot's, on a
 * visitor message), `message` (the visitor's own message sent from another tab).
 */
export type ClientFrame =
  { type: 'message'; id: string; text: string; files: string[] } | { type: 'click'; id: string; message: string; token: string };

/** A button as the page shows it: the token is what the click carries back. */
export interface PageButton {
  token: string;
  label: string;
  style: 'default' | 'primary' | 'danger';
}

/** A file in a bubble: an image shown inline or a download link, under a short-lived URL. */
export interface PageFile {
  url: string;
  name: string;
  mime: string;
  size: number;
  kind: string;
}

/** What a bubble of the agent shows. */
export interface BubbleContent {
  text: string;
  format: 'plain' | 'markdown';
  actions: PageButton[];
  files: PageFile[];
  streaming: boolean;
}

export type ServerFrame =
  | { type: 'hello'; visitor: string; name?: string; identity?: string }
  | { type: 'ack'; id: string }
  | { type: 'error'; id?: string; message: string; retry: boolean; retryAfterMs?: number }
  | ({ type: 'reply'; id: string; replyTo?: string; time: string } & BubbleContent)
  | ({ type: 'update'; id: string; time: string } & BubbleContent)
  | { type: 'delete'; id: string }
  | { type: 'typing' }
  | { type: 'reaction'; message: string; emoji: string; remove: boolean }
  | { type: 'message'; id: string; text: string; time: string; files: PageFile[] };

export const ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
const MAX_FILES = 10;

/** Parses a frame from the page, or says what is wrong with it (and which message, when its id was readable). */
export function parseClientFrame(raw: string, maxLength: number): ClientFrame | { error: string; id?: string } {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return { error: 'frame is not JSON' };
  }
  const f = v as Record<string, unknown> | null;
  if (f?.type !== 'message' && f?.type !== 'click') return { error: 'unknown frame type' };
  if (typeof f.id !== 'string' || !ID_PATTERN.test(f.id)) return { error: `${f.type} id must be 8-64 characters of A-Z a-z 0-9 _ -` };
  const id = f.id;
  if (f.type === 'click') {
    if (typeof f.message !== 'string' || typeof f.token !== 'string' || !f.message || !f.token)
      return { error: 'a click names the message (message) and the button (token)', id };
    return { type: 'click', id, message: f.message, token: f.token };
  }
  const files = f.files ?? [];
  if (!Array.isArray(files) || files.length > MAX_FILES || !files.every((x) => typeof x === 'string'))
    return { error: `files must be at most ${MAX_FILES} upload receipts`, id };
  if (typeof f.text !== 'string' || (f.text.trim() === '' && files.length === 0)) return { error: 'message text is empty', id };
  if (f.text.length > maxLength) return { error: `message is longer than ${maxLength} characters`, id };
  return { type: 'message', id, text: f.text, files: files as string[] };
}

import type { OptionsSchema } from '../../core/plugin';

/** Options of a `use: webchat` entry. */
export interface WebchatOptions {
  /** Shown in the page header and the browser tab. */
  title: string;
  /** Origins allowed to open the WebSocket besides the page's own; `"*"` allows any. */
  allowedOrigins: string[];
  /** When set, the page must be opened with `?token=<token>` (sent on the WebSocket). */
  token: string;
  /** Longest message a visitor may send, in characters. */
  maxMessageLength: number;
}

export const optionsSchema: OptionsSchema = {
  type: 'object',
  properties: {
    title: { type: 'string', default: 'Chat', maxLength: 200, description: 'title of the chat page' },
    allowedOrigins: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: [],
      description: 'extra origins allowed to connect (e.g. https://intranet.example.com); "*" allows any',
    },
    token: {
      type: 'string',
      default: '',
      description: 'access token required as ?token= on the page URL; empty: open to anyone who can reach the gateway',
    },
    maxMessageLength: { type: 'integer', minimum: 1, maximum: 100000, default: 8000, description: 'longest visitor message in characters' },
  },
};

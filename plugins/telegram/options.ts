import type { OptionsSchema } from '../../core/plugin';

/** A Bot API token as @BotFather issues it: the bot's numeric id, a colon, 35 characters. */
export const TOKEN_PATTERN = /^\d{5,20}:[A-Za-z0-9_-]{35}$/;

/** Update types the channel turns into envelopes. */
export const UPDATE_TYPES = ['message', 'edited_message'] as const;
export type UpdateType = (typeof UPDATE_TYPES)[number];

/** Options of a `use: telegram` entry (core keys such as `allowFrom` are not part of them). */
export interface TelegramOptions {
  /** The bot token from @BotFather. Part of every Bot API URL: never log a URL. */
  token: string;
  /** Base URL of the Bot API (a local Bot API server, or an emulator in tests). */
  apiRoot: string;
  /** How long one getUpdates call waits for an update, in seconds. */
  pollTimeoutSec: number;
  /** Update types asked for; `edited_message` forwards edits as new messages. */
  allowedUpdates: UpdateType[];
  /** How `format: markdown` is sent. */
  parseMode: 'HTML' | 'MarkdownV2';
  /** Timeout of one Bot API call other than the long poll (which gets pollTimeoutSec on top). */
  requestTimeoutMs: number;
}

export const optionsSchema: OptionsSchema = {
  type: 'object',
  required: ['token'],
  properties: {
    token: { type: 'string', minLength: 1, description: 'bot token from @BotFather: <bot id>:<35 characters>' },
    apiRoot: {
      type: 'string',
      default: 'https://api.telegram.org',
      pattern: '^https?://[^\\s/]+(/[^\\s]*)?$',
      description: 'Bot API base URL, e.g. https://api.telegram.org or a local Bot API server',
    },
    pollTimeoutSec: {
      type: 'integer',
      minimum: 1,
      maximum: 50,
      default: 25,
      description: 'long-poll timeout of getUpdates in seconds (1-50)',
    },
    allowedUpdates: {
      type: 'array',
      items: { enum: [...UPDATE_TYPES] },
      minItems: 1,
      uniqueItems: true,
      default: ['message'],
      description: 'update types to receive: message, edited_message',
    },
    parseMode: { enum: ['HTML', 'MarkdownV2'], default: 'HTML', description: 'how format: markdown is sent: HTML or MarkdownV2' },
    requestTimeoutMs: {
      type: 'integer',
      minimum: 1000,
      default: 10000,
      description: 'timeout of one Bot API call (ms); the long poll gets pollTimeoutSec on top',
    },
  },
};

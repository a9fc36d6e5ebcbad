import type { OptionsSchema } from '../../core/plugin';

/** The SDK's own check: `WSClient.start()` logs and returns without connecting for any other app id. */
export const APP_ID_PATTERN = '^cli_[0-9a-fA-F]{16}$';

/** Options of a `use: feishu` entry (core keys such as `allowFrom` are not part of them). */
export interface FeishuOptions {
  appId: string;
  appSecret: string;
  encryptKey: string;
  verificationToken: string;
  /** `feishu` (open.feishu.cn), `lark` (open.larksuite.com), or a base URL. */
  domain: string;
  mode: 'websocket' | 'webhook';
  /** Path of the event route in webhook mode, under `/feishu/<account>`. */
  webhookPath: string;
  /** Replies open (or continue) a thread instead of quoting in the main chat. */
  replyInThread: boolean;
  /** Markdown rendering: an interactive card (headings, tables, code) or a post with an `md` element. */
  markdown: 'card' | 'post';
  /** Emoji type put on a received message until the reply is sent (e.g. `OnIt`); empty: off. */
  reactEmoji: string;
  /** Markdown tables allowed in one card before the message is split (Feishu rejects more with 11310). */
  maxTablesPerCard: number;
  /** Timeout of one Feishu API call in milliseconds. */
  requestTimeoutMs: number;
}

export const optionsSchema: OptionsSchema = {
  type: 'object',
  required: ['appId', 'appSecret'],
  properties: {
    appId: { type: 'string', minLength: 1, description: 'App ID from Credentials & Basic Info: cli_ followed by 16 hex characters' },
    appSecret: { type: 'string', minLength: 1, description: 'App Secret from Credentials & Basic Info' },
    encryptKey: { type: 'string', default: '', description: 'Encrypt Key (webhook mode with encryption); empty when unused' },
    verificationToken: { type: 'string', default: '', description: 'Verification Token (webhook mode); empty when unused' },
    domain: {
      type: 'string',
      default: 'feishu',
      pattern: '^(feishu|lark|https?://\\S+)$',
      description: 'feishu, lark, or a base URL such as https://open.feishu.cn',
    },
    mode: {
      enum: ['websocket', 'webhook'],
      default: 'websocket',
      description: 'websocket: long connection (no public IP); webhook: events POSTed to the gateway',
    },
    webhookPath: {
      type: 'string',
      default: '/events',
      pattern: '^/',
      description: 'event route in webhook mode, served at /feishu/<account><webhookPath>',
    },
    replyInThread: { type: 'boolean', default: false, description: 'reply in a thread instead of in the main chat' },
    markdown: { enum: ['card', 'post'], default: 'card', description: 'how format: markdown is rendered' },
    reactEmoji: {
      type: 'string',
      default: '',
      description: 'emoji_type added to received messages until the reply (e.g. OnIt); empty: off',
    },
    maxTablesPerCard: { type: 'integer', minimum: 1, maximum: 10, default: 3, description: 'markdown tables per card before splitting' },
    requestTimeoutMs: { type: 'integer', minimum: 1000, default: 10000, description: 'timeout of one Feishu API call (ms)' },
  },
};

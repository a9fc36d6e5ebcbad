import { Type, credential, type OptionsOf } from '../../core/plugin';

/** The SDK's own check: `WSClient.start()` logs and returns without connecting for any other app id. */
export const APP_ID_PATTERN = '^cli_[0-9a-fA-F]{16}$';

/** Options of a `use: feishu` entry (core keys such as `allowFrom` are not part of them). */
export const optionsSchema = Type.Object({
  appId: credential('App ID from Credentials & Basic Info: cli_ followed by 16 hex characters'),
  appSecret: credential('App Secret from Credentials & Basic Info'),
  encryptKey: Type.String({ default: '', description: 'Encrypt Key (webhook mode with encryption); empty when unused' }),
  verificationToken: Type.String({ default: '', description: 'Verification Token (webhook mode); empty when unused' }),
  domain: Type.String({
    default: 'feishu',
    pattern: '^(feishu|lark|https?://\\S+)$',
    description: 'feishu, lark, or a base URL such as https://open.feishu.cn',
  }),
  mode: Type.Union([Type.Literal('websocket'), Type.Literal('webhook')], {
    default: 'websocket',
    description: 'websocket: long connection (no public IP); webhook: events POSTed to the gateway',
  }),
  webhookPath: Type.String({
    default: '/events',
    pattern: '^/',
    description: 'event route in webhook mode, served at /feishu/<account><webhookPath>',
  }),
  replyInThread: Type.Boolean({ default: false, description: 'reply in a thread instead of in the main chat' }),
  markdown: Type.Union([Type.Literal('card'), Type.Literal('post')], { default: 'card', description: 'how format: markdown is rendered' }),
  reactEmoji: Type.String({
    default: '',
    description: 'emoji_type added to received messages until the reply (e.g. OnIt); empty: off',
  }),
  maxTablesPerCard: Type.Integer({ minimum: 1, maximum: 10, default: 3, description: 'markdown tables per card before splitting' }),
  streamPaceMs: Type.Integer({
    minimum: 100,
    default: 250,
    description: 'least time between two updates of a streamed card (ms); CardKit takes at most 10 per second per card',
  }),
  requestTimeoutMs: Type.Integer({ minimum: 1000, default: 10000, description: 'timeout of one Feishu API call (ms)' }),
});

export type FeishuOptions = OptionsOf<typeof optionsSchema>;

import { Type, credential, urlOption, type OptionsOf } from '../../core/plugin';

export const DEFAULT_WS_URL = 'wss://openws.work.weixin.qq.com';

/** Options of a `use: wecom` entry (core keys such as `allowFrom` are not part of them). */
export const optionsSchema = Type.Object({
  botId: credential('the smart bot\'s Bot ID: admin console > Smart bots > the bot > API mode ("long connection") > Bot ID'),
  secret: credential('the Secret shown next to the Bot ID in API mode (long connection)'),
  wsUrl: urlOption(
    DEFAULT_WS_URL,
    `WebSocket URL of the long connection (${DEFAULT_WS_URL}; a private deployment shows its own in the admin console)`,
    'ws',
  ),
  heartbeatMs: Type.Integer({
    minimum: 1000,
    default: 30_000,
    description: 'how often a ping goes to WeCom (ms); WeCom expects one every 30 s',
  }),
  botName: Type.Optional(
    Type.String({ minLength: 1, description: 'the bot\'s name as people @-mention it in groups: "@<botName>" becomes a mention part' }),
  ),
  thinking: Type.String({
    default: '',
    description: 'what an answer shows until the agent sends its text; empty: WeCom\'s own "thinking" animation',
  }),
  streamWindowMs: Type.Integer({
    minimum: 1000,
    default: 360_000,
    description: 'how long WeCom lets a reply stream be updated after its first frame (6 minutes); later text goes as a new message',
  }),
  streamPaceMs: Type.Integer({
    minimum: 0,
    default: 300,
    description: 'least time between two frames of one reply stream (ms); frames that arrive meanwhile are merged',
  }),
  buttonsTitle: Type.String({
    minLength: 1,
    maxLength: 26,
    default: '请选择',
    description: 'title of the button card under a message with buttons (WeCom cards need one; at most 26 characters)',
  }),
  kickedRetryMs: Type.Integer({
    minimum: 1000,
    default: 60_000,
    description: "after another program took the bot's connection (WeCom allows one), how long to wait before taking it back (ms)",
  }),
});

export type WeComOptions = OptionsOf<typeof optionsSchema>;

import { Type, credential, type OptionsOf } from '../../core/plugin';

/** A Bot API token as @BotFather issues it: the bot's numeric id, a colon, 35 characters. */
export const TOKEN_PATTERN = /^\d{5,20}:[A-Za-z0-9_-]{35}$/;

/** Update types the channel turns into envelopes and events. */
export const UPDATE_TYPES = ['message', 'edited_message', 'callback_query', 'message_reaction', 'my_chat_member'] as const;
export type UpdateType = (typeof UPDATE_TYPES)[number];

/** Options of a `use: telegram` entry (core keys such as `allowFrom` are not part of them). */
export const optionsSchema = Type.Object({
  token: credential('bot token from @BotFather: <bot id>:<35 characters>'),
  apiRoot: Type.String({
    default: 'https://api.telegram.org',
    pattern: '^https?://[^\\s/]+(/[^\\s]*)?$',
    description: 'Bot API base URL, e.g. https://api.telegram.org or a local Bot API server',
  }),
  pollTimeoutSec: Type.Integer({ minimum: 1, maximum: 50, default: 25, description: 'long-poll timeout of getUpdates in seconds (1-50)' }),
  allowedUpdates: Type.Array(Type.Union(UPDATE_TYPES.map((t) => Type.Literal(t))), {
    minItems: 1,
    uniqueItems: true,
    default: ['message', 'callback_query', 'my_chat_member'],
    description:
      "update types to receive: message, edited_message, callback_query (button clicks), message_reaction (users' reactions; Telegram sends them only when asked), my_chat_member (bot added or removed)",
  }),
  parseMode: Type.Union([Type.Literal('HTML'), Type.Literal('MarkdownV2')], {
    default: 'HTML',
    description: 'how format: markdown is sent: HTML or MarkdownV2',
  }),
  editPaceMs: Type.Integer({
    minimum: 100,
    default: 3000,
    description: 'least time between two edits of a streamed message in a group (ms); Telegram allows about 20 edits a minute per group',
  }),
  draftPaceMs: Type.Integer({
    minimum: 50,
    default: 250,
    description: 'least time between two draft frames of a stream in a private chat (ms)',
  }),
  drafts: Type.Boolean({
    default: true,
    description: 'stream in private chats with sendMessageDraft (false: edit one message, as in groups)',
  }),
  requestTimeoutMs: Type.Integer({
    minimum: 1000,
    default: 10000,
    description: 'timeout of one Bot API call (ms); the long poll gets pollTimeoutSec on top',
  }),
});

export type TelegramOptions = OptionsOf<typeof optionsSchema>;

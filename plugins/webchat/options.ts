import { Type, type OptionsOf } from '../../core/plugin';

/** Options of a `use: webchat` entry. */
export const optionsSchema = Type.Object({
  title: Type.String({ default: 'Chat', maxLength: 200, description: 'title of the chat page' }),
  allowedOrigins: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description: 'extra origins allowed to connect (e.g. https://intranet.example.com); "*" allows any',
  }),
  token: Type.String({
    default: '',
    description: 'access token required as ?token= on the page URL; empty: open to anyone who can reach the gateway',
  }),
  identitySecret: Type.String({
    default: '',
    description:
      'HMAC-SHA256 secret the embedding site signs visitor identities with (an HS256 JWT: sub = the site user id, exp required); ' +
      'set, only signed identities are accepted; empty: anonymous visitors with ids the gateway issues',
  }),
  maxMessageLength: Type.Integer({ minimum: 1, maximum: 100000, default: 8000, description: 'longest visitor message in characters' }),
  maxMessagesPerMinute: Type.Integer({
    minimum: 1,
    maximum: 10000,
    default: 30,
    description: 'messages and clicks one visitor may send a minute; more get an error frame and wait',
  }),
  maxFileBytes: Type.Integer({
    minimum: 1,
    default: 10 * 1024 * 1024,
    description: 'largest file a visitor may attach, in bytes (also capped by media.maxBytes)',
  }),
  fileLinkSeconds: Type.Integer({
    minimum: 1,
    maximum: 7 * 24 * 3600,
    default: 3600,
    description: 'how long the link to a file the agent sent stays valid',
  }),
});

export type WebchatOptions = OptionsOf<typeof optionsSchema>;

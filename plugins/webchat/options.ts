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
  maxMessageLength: Type.Integer({ minimum: 1, maximum: 100000, default: 8000, description: 'longest visitor message in characters' }),
});

export type WebchatOptions = OptionsOf<typeof optionsSchema>;

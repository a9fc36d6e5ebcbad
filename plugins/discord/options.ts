import { Type, credential, urlOption, type OptionProblem, type OptionsOf } from '../../core/plugin';

export const DEFAULT_API_URL = 'https://discord.com/api';

/** Options of a `use: discord` entry (core keys such as `allowFrom` are not part of them). */
export const optionsSchema = Type.Object({
  token: credential('the bot token from the Developer Portal (Applications > your app > Bot > Reset Token), without "Bot "'),
  apiUrl: urlOption(
    DEFAULT_API_URL,
    'base URL of the Discord HTTP API (https://discord.com/api); the gateway URL comes from its GET /gateway/bot',
  ),
  messageContent: Type.Boolean({
    default: true,
    description:
      'ask for the privileged Message Content intent (turn it on under Bot > Privileged Gateway Intents); false: guild messages arrive without text unless they mention the bot',
  }),
  serverMembers: Type.Boolean({
    default: false,
    description: 'ask for the privileged Server Members intent (Bot > Privileged Gateway Intents) to publish member joined/left events',
  }),
  requestTimeoutMs: Type.Integer({ minimum: 1000, default: 15000, description: 'timeout of one Discord HTTP API call (ms)' }),
  streamPaceMs: Type.Integer({
    minimum: 200,
    default: 1000,
    description:
      'least time between two edits of one streamed message (ms); Discord allows 5 edits per 5 s per channel, frames in between are merged',
  }),
  maxRateLimitWaitMs: Type.Integer({
    minimum: 0,
    default: 5000,
    description: 'longest wait for a rate-limit bucket inside one call (ms); a longer one fails the call with the wait as the retry hint',
  }),
  commands: Type.Array(
    Type.Object(
      {
        name: Type.String({
          pattern: '^[-_a-z0-9]{1,32}$',
          description: 'the command without its slash: 1-32 lowercase letters, digits, - or _',
        }),
        description: Type.String({ minLength: 1, maxLength: 100, description: 'what Discord shows under the command (1-100 characters)' }),
        args: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 100,
            description: 'description of its one text option (`text`), which becomes `args`; leave out for none',
          }),
        ),
      },
      { additionalProperties: false },
    ),
    {
      default: [],
      maxItems: 100,
      description: 'slash commands registered for the application at start (replacing its global commands); empty: leave them as they are',
    },
  ),
  maxUploadBytes: Type.Integer({
    minimum: 1,
    default: 10 * 1024 * 1024,
    description: 'largest upload in one message, all files together (Discord: 10 MiB; more on boosted servers)',
  }),
});

export type DiscordOptions = OptionsOf<typeof optionsSchema>;

/**
 * A bot token is three base64url parts joined by dots (the first is the bot's user id). An OAuth2
 * client secret or an application id pasted instead passes the schema but fails at start with 4004.
 */
export function tokenProblems(o: Pick<DiscordOptions, 'token'>): OptionProblem[] {
  const t = o.token;
  if (typeof t !== 'string') return [];
  if (/^Bot\s/i.test(t))
    return [{ key: 'token', message: 'token starts with "Bot "', hint: 'give the token alone; the "Bot " prefix is added by the client' }];
  if (/^\d{17,20}$/.test(t))
    return [
      {
        key: 'token',
        message: 'token is a number: that is the application id, not the bot token',
        hint: 'copy the token from Bot > Reset Token',
      },
    ];
  if (t.split('.').length !== 3)
    return [
      {
        key: 'token',
        message: 'token is not a bot token (three parts separated by dots)',
        hint: 'copy it from the Developer Portal, Bot > Reset Token; the OAuth2 client secret is not the bot token',
      },
    ];
  return [];
}

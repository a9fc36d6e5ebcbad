import { Type, credential, urlOption, type OptionProblem, type OptionsOf } from '../../core/plugin';

export const DEFAULT_API_URL = 'https://slack.com/api/';

/** Options of a `use: slack` entry (core keys such as `allowFrom` are not part of them). */
export const optionsSchema = Type.Object({
  appToken: credential('App-Level Token from Basic Information > App-Level Tokens: xapp-..., with the connections:write scope'),
  botToken: credential('Bot User OAuth Token from OAuth & Permissions: xoxb-...'),
  apiUrl: urlOption(DEFAULT_API_URL, 'base URL of the Slack Web API (https://slack.com/api/); Socket Mode connects through it too'),
  replyInThread: Type.Boolean({
    default: true,
    description:
      'replies (replyTo) go in the thread of the message answered; false: in the channel, unless that message was already in a thread',
  }),
  requestTimeoutMs: Type.Integer({ minimum: 1000, default: 10000, description: 'timeout of one Slack Web API call (ms)' }),
  streamPaceMs: Type.Integer({
    minimum: 200,
    default: 1000,
    description: 'least time between two updates of one streamed message (ms); frames that arrive meanwhile are merged',
  }),
  assistant: Type.Boolean({
    default: false,
    description:
      'the app has Agents & AI Apps turned on (scope assistant:write): typing shows as the assistant thread status; false: as a reaction',
  }),
  typingEmoji: Type.String({
    default: 'hourglass_flowing_sand',
    pattern: '^[a-z0-9_+\\-]+$',
    description: 'the reaction that shows the bot is working (without assistant), removed when its answer is sent',
  }),
  typingStatus: Type.String({
    minLength: 1,
    default: 'is thinking…',
    description: 'the assistant thread status that shows the bot is working',
  }),
});

export type SlackOptions = OptionsOf<typeof optionsSchema>;

const KINDS: Array<[RegExp, string]> = [
  [/^xapp-/, 'an App-Level Token'],
  [/^xoxb-/, 'a Bot User OAuth Token'],
  [/^xoxp-/, 'a User OAuth Token'],
  [/^xox[aers]-/, 'a legacy or refresh token'],
];

const kindOf = (token: string) => KINDS.find(([re]) => re.test(token))?.[1];

/**
 * Token prefixes checked at config time: Slack answers a swapped or wrong token only with
 * `invalid_auth` or `not_allowed_token_type` at start, which says nothing about which key is wrong.
 */
export function tokenProblems(o: Pick<SlackOptions, 'appToken' | 'botToken'>): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const check = (key: 'appToken' | 'botToken', prefix: string, hint: string) => {
    const v = o[key];
    if (typeof v !== 'string' || v.startsWith(prefix)) return;
    const kind = kindOf(v);
    problems.push({
      key,
      message: kind ? `${key} is ${kind} (${v.slice(0, 5)}...), not ${prefix}...` : `${key} does not start with ${prefix}`,
      hint,
    });
  };
  check(
    'appToken',
    'xapp-',
    'create an App-Level Token with the connections:write scope under Basic Information > App-Level Tokens; it starts with xapp-',
  );
  check(
    'botToken',
    'xoxb-',
    'copy the Bot User OAuth Token from OAuth & Permissions (install the app to the workspace first); it starts with xoxb-',
  );
  return problems;
}

import { Type, credential, urlOption, type OptionProblem, type OptionsOf } from '../../core/plugin';

export const DEFAULT_API_URL = 'https://api.dingtalk.com';
export const DEFAULT_OAPI_URL = 'https://oapi.dingtalk.com';

/** Options of a `use: dingtalk` entry (core keys such as `allowFrom` are not part of them). */
export const optionsSchema = Type.Object({
  clientId: credential('Client ID (AppKey) of the internal app, from the developer console > Credentials & Basic Info: ding...'),
  clientSecret: credential('Client Secret (AppSecret) of the same app'),
  robotCode: Type.Optional(
    Type.String({
      minLength: 1,
      description: "the robot's RobotCode (App Capabilities > Robot); for an internal app's robot it is the Client ID, the default",
    }),
  ),
  cardTemplateId: Type.Optional(
    Type.String({
      pattern: '^\\S*$',
      description:
        'id of an AI card template (Card Platform > My Templates, ends in .schema) with a streaming markdown variable and a button list; empty or unset: streams send only the final text and buttons become a numbered list',
    }),
  ),
  cardContentKey: Type.String({
    default: 'content',
    pattern: '^[A-Za-z0-9_]+$',
    description: 'the variable of the card template that streams the markdown text',
  }),
  cardButtonsKey: Type.String({
    default: 'buttons',
    pattern: '^[A-Za-z0-9_]+$',
    description: 'the variable of the card template that holds the buttons (a list of {text, token, style})',
  }),
  apiUrl: urlOption(DEFAULT_API_URL, 'base URL of the DingTalk OpenAPI and the Stream gateway (https://api.dingtalk.com)'),
  oapiUrl: urlOption(DEFAULT_OAPI_URL, 'base URL of the old DingTalk API, used for media uploads (https://oapi.dingtalk.com)'),
  replyViaSessionWebhook: Type.Boolean({
    default: false,
    description:
      'replies (replyTo) to a message received in the last 90 minutes go through its sessionWebhook (no qyapi_robot_sendmsg needed; no recall, no message id); false: the robot OpenAPI',
  }),
  requestTimeoutMs: Type.Integer({ minimum: 1000, default: 10000, description: 'timeout of one DingTalk API call (ms)' }),
  streamPaceMs: Type.Integer({
    minimum: 100,
    default: 500,
    description: 'least time between two updates of one streaming card (ms); frames that arrive meanwhile are merged',
  }),
});

export type DingTalkOptions = OptionsOf<typeof optionsSchema>;

/** Checks a schema cannot express: the Client ID's shape, a secret pasted into the id. */
export function optionProblems(o: DingTalkOptions): OptionProblem[] {
  const problems: OptionProblem[] = [];
  if (typeof o.clientId === 'string' && !/^[A-Za-z0-9]+$/.test(o.clientId))
    problems.push({
      key: 'clientId',
      message: `clientId "${o.clientId.slice(0, 6)}..." has characters a DingTalk Client ID never has`,
      hint: 'copy the Client ID (AppKey, ding...) from the developer console > your app > Credentials & Basic Info',
    });
  if (typeof o.clientId === 'string' && o.clientId === o.clientSecret)
    problems.push({
      key: 'clientSecret',
      message: 'clientSecret is the same as clientId',
      hint: 'copy the Client Secret (AppSecret), not the Client ID',
    });
  return problems;
}

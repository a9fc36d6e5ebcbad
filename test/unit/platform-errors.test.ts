import { toDeliveryError as feishuError } from '../../plugins/feishu/errors';
import { describeFailure as slackFailure, toDeliveryError as slackError } from '../../plugins/slack/errors';
import { TelegramApiError, TelegramNetworkError } from '../../plugins/telegram/api';
import { toDeliveryError as telegramError } from '../../plugins/telegram/errors';

type Expected = { code: string; retryable: boolean; platformCode?: number | string; retryAfterMs?: number; message?: string | RegExp };

function check(err: { code: string; retryable: boolean; platformCode?: unknown; retryAfterMs?: unknown; message: string }, want: Expected) {
  const { message, ...rest } = want;
  expect(err).toMatchObject(rest);
  if (!('platformCode' in want)) expect(err.platformCode).toBeUndefined();
  if (message instanceof RegExp) expect(err.message).toMatch(message);
  else if (message) expect(err.message).toBe(message);
}

describe('feishu errors', () => {
  test.each<[string, Parameters<typeof feishuError>[0], Expected]>([
    [
      '230020 rate limit with the reset header',
      { httpStatus: 400, code: 230020, msg: 'rate limited', resetSeconds: 2 },
      { code: 'E_RATE_LIMITED', retryable: true, platformCode: 230020, retryAfterMs: 2000 },
    ],
    [
      '99991400 frequency limit',
      { httpStatus: 200, code: 99991400, msg: 'request trigger frequency limit' },
      { code: 'E_RATE_LIMITED', retryable: true, platformCode: 99991400 },
    ],
    ['HTTP 429 without a code', { httpStatus: 429, msg: 'HTTP 429' }, { code: 'E_RATE_LIMITED', retryable: true, platformCode: 429 }],
    [
      '230025 content too long',
      { httpStatus: 400, code: 230025, msg: 'message content too long' },
      { code: 'E_TOO_LARGE', retryable: false, platformCode: 230025 },
    ],
    [
      '230002 bot not in the chat',
      { httpStatus: 400, code: 230002, msg: 'Bot/User can NOT be out of the chat.' },
      {
        code: 'E_PLATFORM',
        retryable: false,
        platformCode: 230002,
        message: 'send message: Feishu code 230002: Bot/User can NOT be out of the chat.',
      },
    ],
    [
      '230099 wrapping the table limit',
      { httpStatus: 400, code: 230099, msg: 'Failed to create card content, ext=ErrCode: 11310; ErrMsg: card table number over limit' },
      { code: 'E_PLATFORM', retryable: false, platformCode: 11310 },
    ],
    [
      'HTTP 502 from a proxy',
      { httpStatus: 502, msg: 'HTTP 502' },
      { code: 'E_PLATFORM', retryable: true, platformCode: 502, message: 'send message: HTTP 502: HTTP 502' },
    ],
    ['HTTP 408', { httpStatus: 408, msg: 'HTTP 408' }, { code: 'E_PLATFORM', retryable: true, platformCode: 408 }],
    [
      'no answer',
      { msg: 'connect ECONNREFUSED 127.0.0.1:1' },
      { code: 'E_PLATFORM', retryable: true, message: 'send message: connect ECONNREFUSED 127.0.0.1:1' },
    ],
  ])('%s', (_name, failure, want) => check(feishuError(failure, 'send message'), want));
});

describe('slack errors', () => {
  const platform = (error: string, extra: Record<string, unknown> = {}) => ({
    code: 'slack_webapi_platform_error',
    message: `An API error occurred: ${error}`,
    data: { ok: false, error, ...extra },
  });
  test.each<[string, unknown, Expected]>([
    [
      'channel_not_found',
      platform('channel_not_found'),
      { code: 'E_PLATFORM', retryable: false, platformCode: 'channel_not_found', message: /invite the bot to private channels/ },
    ],
    [
      'missing_scope names the scope',
      platform('missing_scope', { needed: 'chat:write' }),
      { code: 'E_PLATFORM', retryable: false, platformCode: 'missing_scope', message: /lacks the chat:write scope/ },
    ],
    ['msg_too_long', platform('msg_too_long'), { code: 'E_TOO_LARGE', retryable: false, platformCode: 'msg_too_long' }],
    ['internal_error is transient', platform('internal_error'), { code: 'E_PLATFORM', retryable: true, platformCode: 'internal_error' }],
    [
      'ratelimited with Retry-After',
      { code: 'slack_webapi_rate_limited_error', message: 'rate limited', retryAfter: 7 },
      { code: 'E_RATE_LIMITED', retryable: true, platformCode: 'ratelimited', retryAfterMs: 7000 },
    ],
    [
      'HTTP 503',
      { code: 'slack_webapi_http_error', message: 'An HTTP protocol error occurred: statusCode = 503', statusCode: 503 },
      { code: 'E_PLATFORM', retryable: true, platformCode: 503 },
    ],
    [
      'HTTP 408 is retried, as on every platform',
      { code: 'slack_webapi_http_error', message: 'statusCode = 408', statusCode: 408 },
      { code: 'E_PLATFORM', retryable: true, platformCode: 408 },
    ],
    [
      'HTTP 404',
      { code: 'slack_webapi_http_error', message: 'statusCode = 404', statusCode: 404 },
      { code: 'E_PLATFORM', retryable: false, platformCode: 404 },
    ],
    [
      'no answer',
      { code: 'slack_webapi_request_error', message: 'A request error occurred', original: new Error('socket hang up') },
      { code: 'E_PLATFORM', retryable: true, message: 'chat.postMessage: no answer from Slack: socket hang up' },
    ],
  ])('%s', (_name, thrown, want) => check(slackError(slackFailure(thrown), 'chat.postMessage'), want));
});

describe('telegram errors', () => {
  const api = (code: number, description: string, parameters = {}) => new TelegramApiError('sendMessage', code, description, parameters);
  test.each<[string, unknown, Expected]>([
    [
      '429 with retry_after',
      api(429, 'Too Many Requests: retry after 3', { retry_after: 3 }),
      { code: 'E_RATE_LIMITED', retryable: true, platformCode: 429, retryAfterMs: 3000 },
    ],
    [
      '403 blocked by the user',
      api(403, 'Forbidden: bot was blocked by the user'),
      { code: 'E_PLATFORM', retryable: false, platformCode: 403, message: /blocked by the user \(the user blocked the bot/ },
    ],
    [
      '400 chat not found',
      api(400, 'Bad Request: chat not found'),
      { code: 'E_PLATFORM', retryable: false, platformCode: 400, message: /check conversation\.id/ },
    ],
    ['400 message is too long', api(400, 'Bad Request: message is too long'), { code: 'E_TOO_LARGE', retryable: false, platformCode: 400 }],
    [
      '401 unauthorized',
      api(401, 'Unauthorized'),
      { code: 'E_PLATFORM', retryable: false, platformCode: 401, message: /check token from @BotFather/ },
    ],
    ['502 from a proxy', api(502, 'HTTP 502 without a Bot API answer'), { code: 'E_PLATFORM', retryable: true, platformCode: 502 }],
    [
      'no answer',
      new TelegramNetworkError('sendMessage', 'connect ECONNREFUSED'),
      { code: 'E_PLATFORM', retryable: true, message: 'Telegram unreachable: sendMessage: connect ECONNREFUSED' },
    ],
  ])('%s', (_name, thrown, want) => check(telegramError(thrown), want));
});

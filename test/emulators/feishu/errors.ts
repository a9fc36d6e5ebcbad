/**
 * Feishu error codes and messages the emulator answers with, and the body shape they come in.
 *
 * Sources (see README.md for the full list):
 * - Open Platform docs, im/v1 message create/reply/patch error tables (230001, 230002, 230011, 230013,
 *   230020, 230025, 230099) and the FAQ "如何解决 230001 错误" (the `ext=` sub-messages).
 * - Real responses quoted in public bug reports / probe logs: 230002 "Bot/User can NOT be out of the
 *   chat.", 99991661/99991663 with HTTP 400, token endpoint failures with HTTP 200 + 10003/10014,
 *   99991400 with HTTP 429 and `x-ogw-ratelimit-*` headers, 230099 + "ErrCode: 11310".
 * - Long connection: codes from the official Go/Python/Node SDKs (`ws/const.go`): 1, 403, 514,
 *   1000040343, 1000040350, plus 1000040345 from a real endpoint response body.
 */
import { newLogId } from './ids';

/** A Feishu business error as returned over HTTP. */
export interface FeishuError {
  httpStatus: number;
  code: number;
  msg: string;
  /** Extra top-level `error` fields (e.g. field_violations). */
  error?: Record<string, unknown>;
  /** Extra response headers (e.g. rate-limit headers). */
  headers?: Record<string, string>;
}

/** Known codes with their canonical message and HTTP status (README "Not faithful" names the unconfirmed ones). */
export const Codes = {
  invalidParam: { code: 230001, msg: 'Your request contains an invalid request parameter', httpStatus: 400 },
  botNotInChat: { code: 230002, msg: 'Bot/User can NOT be out of the chat.', httpStatus: 400 },
  messageRecalled: { code: 230011, msg: 'The message is recalled.', httpStatus: 400 },
  noAvailability: { code: 230013, msg: 'Bot has NO availability to this user.', httpStatus: 400 },
  frequencyLimit: { code: 230020, msg: 'This operation triggers the frequency limit.', httpStatus: 400 },
  contentTooLong: { code: 230025, msg: 'The length of the message content reaches its limit.', httpStatus: 400 },
  cardFailed: { code: 230099, msg: 'Failed to create card content', httpStatus: 400 },
  reactionTypeInvalid: { code: 231001, msg: 'reaction type is invalid.', httpStatus: 400 },
  reactionMessageNotFound: { code: 231003, msg: 'The message is not found, maybe not exist or deleted.', httpStatus: 400 },
  reactionNotOfMessage: { code: 231010, msg: 'The reaction does not belong to the message.', httpStatus: 400 },
  reactionIdInvalid: { code: 231011, msg: 'The request has an invalid reaction_id.', httpStatus: 400 },
  gatewayRateLimit: { code: 99991400, msg: 'request trigger frequency limit', httpStatus: 429 },
  missingToken: {
    code: 99991661,
    msg: 'Missing access token for authorization. Please make a request with token attached.',
    httpStatus: 400,
  },
  invalidToken: {
    code: 99991663,
    msg: 'Invalid access token for authorization. Please make a request with token attached.',
    httpStatus: 400,
  },
  fieldValidation: { code: 99992402, msg: 'field validation failed', httpStatus: 400 },
  // Token endpoints answer HTTP 200 even on failure.
  tokenInvalidParam: { code: 10003, msg: 'invalid param', httpStatus: 200 },
  tokenAppNotExists: { code: 10014, msg: 'app id not exists', httpStatus: 200 },
  tokenSecretInvalid: { code: 10014, msg: 'app secret invalid', httpStatus: 200 },
  // Long-connection endpoint (`/callback/ws/endpoint`), HTTP 200.
  wsSystemBusy: { code: 1, msg: 'system busy', httpStatus: 200 },
  wsInternalError: { code: 1000040343, msg: 'internal error', httpStatus: 200 },
  wsCredentialEmpty: { code: 1000040344, msg: 'app_id or app_secret is empty', httpStatus: 200 },
  wsCredentialInvalid: { code: 1000040345, msg: 'app_id or app_secret is invalid', httpStatus: 200 },
  wsExceedConnLimit: { code: 1000040350, msg: 'exceed conn limit', httpStatus: 200 },
  // Message edits (PATCH / PUT of a sent message).
  notEditable: { code: 230071, msg: 'The message type does not support editing, only text and post can be edited.', httpStatus: 400 },
  editLimit: { code: 230072, msg: 'The message has reached the number of times it can be edited.', httpStatus: 400 },
  // Image and file uploads, and the resources of a message.
  resourceInvalidParam: { code: 234001, msg: 'Invalid request param.', httpStatus: 400 },
  resourceTooLarge: { code: 234006, msg: 'The file size exceed the max value.', httpStatus: 400 },
  resourceEmpty: { code: 234010, msg: "File's size can't be 0.", httpStatus: 400 },
  resourceNotInMessage: { code: 234003, msg: 'File not in msg.', httpStatus: 400 },
  resourceUnsupported: { code: 234043, msg: 'Unsupported message type.', httpStatus: 400 },
  // CardKit card entities; CardKit's messages start with `ErrMsg: `.
  cardParseFailed: { code: 200621, msg: 'ErrMsg: parse card json err, please check whether the card json is correct; ', httpStatus: 400 },
  cardStreamingTimeout: { code: 200850, msg: 'ErrMsg: card streaming timeout; ', httpStatus: 400 },
  cardDuplicateElementId: { code: 300301, msg: 'ErrMsg: Duplicate element_id in card component; ', httpStatus: 400 },
  cardNotOwner: { code: 300303, msg: 'ErrMsg: the app has no permission to operate this card; ', httpStatus: 400 },
  cardStreamingClosed: { code: 300309, msg: 'ErrMsg: streaming mode is closed; ', httpStatus: 400 },
  cardNotFound: { code: 300310, msg: 'ErrMsg: card not found; ', httpStatus: 400 },
  cardElementNotFound: { code: 300313, msg: 'ErrMsg: not find elementID', httpStatus: 400 },
  cardSequence: { code: 300317, msg: 'ErrMsg: sequence number compare failed; ', httpStatus: 400 },
} as const satisfies Record<string, FeishuError>;

/** Build a FeishuError from a catalogue entry, optionally with an `ext=` detail. */
export function feishuError(entry: { code: number; msg: string; httpStatus: number }, ext?: string): FeishuError {
  return { code: entry.code, httpStatus: entry.httpStatus, msg: ext ? `${entry.msg}, ext=${ext}` : entry.msg };
}

/** 230001 with an `ext=` detail as in the 230001 FAQ (e.g. "invalid receive_id"). */
export const invalidParam = (ext: string): FeishuError => feishuError(Codes.invalidParam, ext);

/** 99992402 "field validation failed" with `field_violations`. */
export function fieldViolation(field: string, description: string, value?: string): FeishuError {
  const v: Record<string, string> = { field, description };
  if (value !== undefined) v.value = value;
  return { ...feishuError(Codes.fieldValidation), error: { field_violations: [v] } };
}

/** The JSON body for an error: `{code, msg, error:{log_id, troubleshooter, ...}}`. */
export function errorBody(err: FeishuError, logId = newLogId()): Record<string, unknown> {
  return {
    code: err.code,
    msg: err.msg,
    error: {
      log_id: logId,
      troubleshooter: `排查建议查看(Troubleshooting suggestions): https://open.feishu.cn/search?code=${err.code}&log_id=${logId}`,
      ...(err.error ?? {}),
    },
  };
}

/** The error thrown inside route handlers; the router turns it into a response. */
export class FeishuHttpError extends Error {
  constructor(readonly err: FeishuError) {
    super(`${err.code} ${err.msg}`);
  }
}

/** Throw helper: `fail(Codes.botNotInChat)` or `fail(invalidParam('invalid receive_id'))`. */
export function fail(e: FeishuError | { code: number; msg: string; httpStatus: number }): never {
  throw new FeishuHttpError(e as FeishuError);
}

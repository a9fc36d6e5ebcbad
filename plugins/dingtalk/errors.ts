import { classifyFailure, type DeliveryError, type FailureTable } from '../../core/plugin';

/** What a DingTalk call answered, however it failed. */
export interface DingTalkFailure {
  /** HTTP status of the answer. */
  status?: number;
  /** DingTalk's error code: the OpenAPI's `code` (`Forbidden.AccessDenied.QpsLimitForApi`), or the old API's `errcode` (40014). */
  code?: string | number;
  /** The request got no answer (DNS, refused, reset, timeout). */
  network?: boolean;
  /** Permissions an `AccessTokenPermissionDenied` answer names. */
  requiredScopes?: string[];
  /** How long to wait, in ms. */
  retryAfterMs?: number;
  message: string;
}

/**
 * DingTalk's QPS limits (HTTP 403): per app and API, and per API across all of DingTalk. Its docs say
 * the window is one second: "sleep 1 s and call again", which is the hint retries honour.
 */
export const QPS_LIMITED = new Set<string | number>([
  'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi',
  'Forbidden.AccessDenied.QpsLimitForApi',
  // The old API's frequency limits.
  90002,
  90006,
  90018,
  // A user the robot wrote to too often (batchSend's flowControlledStaffIdList).
  'flowControlled',
]);
export const QPS_WINDOW_MS = 1000;

const CODES: FailureTable = {
  rateLimited: QPS_LIMITED,
  transient: new Set<string | number>(['ServiceUnavailable', 'InternalError', 'systemError', 'SystemBusy', -1]),
  tooLarge: new Set<string | number>([40006]),
};

/** Errors about the app's credentials or token. */
export const AUTH_ERRORS = new Set<string | number>(['invalidClientIdOrSecret', 'InvalidAuthentication', 40014]);

/** What each permanent error means for the agent's author or the operator. */
const HINTS: Record<string, string> = {
  invalidClientIdOrSecret: 'DingTalk refused clientId/clientSecret: copy both from the developer console > Credentials & Basic Info',
  InvalidAuthentication: 'the access token was refused: check clientId/clientSecret',
  'invalidParameter.robotCode.auth': "robotCode is not this app's robot: for an internal app's robot the RobotCode is the Client ID",
  'invalidParameter.robotCode.empty': 'robotCode is empty',
  'invalid.openConversationId': 'the group does not exist or the robot is not in it: add the robot to the group (group settings > Robots)',
  'invalidParameter.userIds.empty': 'no user to send to',
  invalidStaffId: 'no such user in this organisation (conversation.id of a direct chat is the user id, senderStaffId)',
  'invalidParameter.msgParam.invalid': 'DingTalk refused the message content',
  'invalidParameter.downloadCode.invalid': 'the downloadCode is unknown or expired: ask with the ref of a recent message',
  'param.cardTemplateIdInvalid': 'cardTemplateId names no card template of this app: check it in the Card Platform (it ends in .schema)',
  'param.keyInvalid':
    'the card template has no streaming variable of that name: set cardContentKey to the markdown variable with streaming on',
  'param.cardInstanceNotExist': 'the card is gone or was not created by this robot',
  40004: 'DingTalk does not take this media type',
};

function hint(f: DingTalkFailure): string {
  if (f.code === 'Forbidden.AccessDenied.AccessTokenPermissionDenied')
    return `the app lacks the permission ${f.requiredScopes?.join(', ') ?? 'this call needs'}: add it in the developer console > Permissions, then publish a new version`;
  return f.code !== undefined ? (HINTS[String(f.code)] ?? '') : '';
}

/**
 * Maps a failed call to a delivery error by core's shared rules with DingTalk's codes: QPS limits are
 * retryable after DingTalk's one-second window (E_RATE_LIMITED when retries run out), 5xx, DingTalk's
 * internal errors and no answer are retryable, 40006 is E_TOO_LARGE, the rest permanent.
 * `platformCode` is DingTalk's code, or the HTTP status when it gave none.
 */
export function toDeliveryError(f: DingTalkFailure, what: string): DeliveryError {
  const why = hint(f);
  const limited = f.code !== undefined && QPS_LIMITED.has(f.code);
  const message = limited
    ? `${what}: DingTalk rate limit (${f.code})`
    : f.network
      ? `${what}: no answer from DingTalk: ${f.message}`
      : `${what}: DingTalk answered ${f.status ?? 200}${f.code !== undefined ? ` ${f.code}` : ''}: ${f.message}${why ? ` (${why})` : ''}`;
  const retryAfterMs = f.retryAfterMs ?? (limited ? QPS_WINDOW_MS : undefined);
  return classifyFailure(
    {
      ...(f.network ? { network: true } : { status: f.status ?? 200 }),
      ...(f.code !== undefined ? { code: f.code } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
    message,
    CODES,
  );
}

/** A start failure in the operator's terms. */
export function explainStartError(f: DingTalkFailure, apiUrl: string): string {
  if (f.network) return `cannot reach DingTalk at ${apiUrl}: ${f.message}`;
  if (f.code === 'invalidClientIdOrSecret')
    return 'DingTalk refused clientId/clientSecret (invalidClientIdOrSecret): copy the Client ID and Client Secret of the app from the developer console > Credentials & Basic Info';
  if (f.code === 'Forbidden.AccessDenied.IpNotInWhiteList')
    return "DingTalk refused this server's IP (Forbidden.AccessDenied.IpNotInWhiteList): add it to the app's server IP allowlist, or clear the list";
  return `DingTalk answered ${f.status ?? ''} ${f.code ?? ''}: ${f.message}`.replace(/\s+/g, ' ');
}

import { classifyFailure, type DeliveryError, type FailureTable } from '../../core/plugin';

/** What a Web API call answered, however it failed. */
export interface SlackFailure {
  /** Slack's error string (`channel_not_found`) from an `ok: false` body. */
  error?: string;
  /** HTTP status of a non-200 answer. */
  status?: number;
  /** Seconds to wait (`Retry-After` of a 429). */
  retryAfterSec?: number;
  /** The request never got an answer (DNS, refused, reset, timeout). */
  network?: boolean;
  /** The scope a `missing_scope` answer says is needed. */
  needed?: string;
  message: string;
}

/**
 * Reads a `@slack/web-api` error by its `code` (the SDK's own classes, compared by code so a second
 * copy of the SDK in node_modules does not break `instanceof`).
 */
export function describeFailure(err: unknown): SlackFailure {
  const e = err as {
    code?: string;
    data?: { error?: string; needed?: string; response_metadata?: { retryAfter?: number } };
    retryAfter?: number;
    statusCode?: number;
    message?: string;
    original?: Error;
  };
  const message = e?.message ?? String(err);
  switch (e?.code) {
    case 'slack_webapi_platform_error': {
      const retryAfter = e.data?.response_metadata?.retryAfter;
      return {
        error: e.data?.error ?? 'unknown_error',
        message,
        ...(e.data?.needed ? { needed: e.data.needed } : {}),
        ...(typeof retryAfter === 'number' ? { retryAfterSec: retryAfter } : {}),
      };
    }
    case 'slack_webapi_rate_limited_error':
      return { status: 429, error: 'ratelimited', message, ...(typeof e.retryAfter === 'number' ? { retryAfterSec: e.retryAfter } : {}) };
    case 'slack_webapi_http_error':
      return { status: e.statusCode, message };
    case 'slack_webapi_request_error':
      return { network: true, message: e.original?.message ?? message };
  }
  // With rejectRateLimitedCalls, a 429 without a usable Retry-After comes as a plain Error.
  if (/rate limit|Retry header/i.test(message)) return { status: 429, error: 'ratelimited', message };
  return { network: true, message };
}

/**
 * Slack answered with an error string, so the call did nothing: a retry cannot apply it twice. Its
 * internal errors say "some aspect of the operation may have succeeded" and are not counted here.
 */
export function refusedOutright(err: unknown): boolean {
  const code = (err as { platformCode?: unknown }).platformCode;
  return typeof code === 'string' && !['internal_error', 'fatal_error', 'request_timeout', 'service_unavailable'].includes(code);
}

/** Slack errors that say "slow down". */
const RATE_LIMITED = new Set(['ratelimited', 'rate_limited']);
/** Slack error strings whose meaning the HTTP status does not carry. */
const CODES: FailureTable = {
  rateLimited: RATE_LIMITED,
  // Errors a later attempt may not get.
  transient: new Set([
    'internal_error',
    'fatal_error',
    'service_unavailable',
    'request_timeout',
    'team_added_to_org',
    'org_login_required',
  ]),
  tooLarge: new Set(['msg_too_long', 'msg_blocks_too_long', 'file_upload_size_restricted', 'snippet_too_large']),
};
/** Errors about the bot token itself: also what start() explains. */
export const AUTH_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'not_allowed_token_type',
  'team_disabled',
  'user_removed_from_team',
]);

/** What each permanent error means for the agent's author or the operator. */
const HINTS: Record<string, string> = {
  channel_not_found:
    'the conversation does not exist or the bot cannot see it: check conversation.id, and invite the bot to private channels',
  not_in_channel: 'the bot is not a member of this channel: invite it (/invite @your-bot)',
  is_archived: 'the channel is archived',
  msg_too_long: "the message text is over Slack's 40,000 characters",
  no_text: 'the message has no text',
  invalid_blocks: 'Slack refused the Block Kit blocks (check them in the Block Kit Builder)',
  invalid_blocks_format: 'blocks must be a JSON array of Block Kit blocks',
  invalid_thread_ts: 'the message replyTo names was not found in this conversation',
  thread_not_found: 'the message replyTo names was not found in this conversation',
  user_not_found: 'no such user in this workspace',
  cannot_dm_bot: 'Slack does not let a bot open a direct message with another bot',
  restricted_action: 'a workspace setting prevents the bot from posting here',
  restricted_action_read_only_channel: 'the channel is read-only',
  restricted_action_thread_only_channel: 'the channel takes replies in threads only: set replyTo',
  restricted_action_non_threadable_channel: 'the channel has no threads: send without replyTo, or set replyInThread: false',
  invalid_auth: 'Slack refused the bot token: check botToken',
  not_authed: 'no bot token was sent: check botToken',
  token_revoked: 'the bot token was revoked (app uninstalled?): reinstall the app and update botToken',
  account_inactive: 'the bot user or workspace is deactivated',
  not_allowed_token_type: 'botToken is not a bot token (xoxb-...)',
  message_not_found: 'the message is gone (deleted in Slack) or the id is wrong',
  cant_update_message: 'the message was not posted by this app: the bot can edit only its own messages',
  cant_delete_message: 'the message was not posted by this app: the bot can delete only its own messages',
  edit_window_closed: "the workspace's message editing window has passed (Workspace settings > Message editing)",
  is_inactive: 'the channel is archived or frozen',
  streaming_state_conflict: 'the message is still streaming',
  message_not_in_streaming_state: 'Slack closed the stream',
  missing_recipient_user_id: 'a stream in a channel needs the user it answers',
  invalid_name: 'Slack has no emoji of that name in this workspace',
  too_many_emoji: 'the message has the most distinct reactions Slack allows',
  too_many_reactions: 'the message has the most reactions Slack allows',
  not_reactable: 'Slack does not take reactions on this item',
  file_not_found:
    'Slack has no such file, or the bot cannot see it (add files:read; the bot must be in a conversation the file is shared in)',
  file_upload_size_restricted: 'the file is larger than this workspace takes (Slack: at most 1 GB)',
  file_uploads_disabled: 'the workspace has turned file uploads off',
  storage_limit_reached: "the workspace's file storage is full",
  invalid_channel: 'the conversation does not exist or the bot cannot see it',
  posting_to_channel_denied: 'the bot may not share files here: invite it to the channel',
  access_denied:
    'Slack refused: for the typing status, turn on Agents & AI Apps for the app and add assistant:write (or set assistant: false)',
};

function hint(f: SlackFailure): string {
  if (f.error === 'missing_scope')
    return `the bot token lacks the ${f.needed ?? 'required'} scope: add it under OAuth & Permissions > Bot Token Scopes and reinstall the app`;
  return f.error ? (HINTS[f.error] ?? '') : '';
}

/**
 * Maps a failed Web API call to a delivery error (core's shared rules, with Slack's error strings): rate
 * limits, 5xx, transient Slack errors and network failures are retryable (with Slack's Retry-After);
 * `msg_too_long` is E_TOO_LARGE; every other Slack error is permanent. `platformCode` is Slack's error
 * string (`channel_not_found`), or the HTTP status when Slack answered with no error string.
 */
export function toDeliveryError(f: SlackFailure, what: string): DeliveryError {
  const error = f.error ?? 'unknown_error';
  const why = hint(f);
  const message =
    f.error && RATE_LIMITED.has(f.error)
      ? `${what}: Slack rate limit (${f.error})`
      : f.network
        ? `${what}: no answer from Slack: ${f.message}`
        : f.status !== undefined
          ? `${what}: Slack answered HTTP ${f.status}`
          : `${what}: Slack error ${error}${why ? ` (${why})` : ''}`;
  return classifyFailure(
    {
      ...(f.network ? { network: true } : { status: f.status ?? 200, code: f.error ?? (f.status === undefined ? error : undefined) }),
      ...(f.retryAfterSec !== undefined ? { retryAfterMs: f.retryAfterSec * 1000 } : {}),
    },
    message,
    CODES,
  );
}

/** A start failure in operator terms: which token is wrong and where to get the right one. */
export function explainStartError(f: SlackFailure, token: 'botToken' | 'appToken', apiUrl: string): string {
  if (f.network) return `cannot reach the Slack Web API at ${apiUrl}: ${f.message}`;
  if (f.status !== undefined && f.error === undefined) return `the Slack Web API at ${apiUrl} answered HTTP ${f.status}`;
  const error = f.error ?? 'unknown_error';
  if (error === 'missing_scope') {
    return token === 'appToken'
      ? `Slack refused the app-level token (missing_scope): appToken needs the connections:write scope (Basic Information > App-Level Tokens)`
      : `Slack refused the bot token (missing_scope): add the ${f.needed ?? 'missing'} scope under OAuth & Permissions and reinstall the app`;
  }
  if (AUTH_ERRORS.has(error)) {
    return token === 'appToken'
      ? `Slack refused the app-level token (${error}): check appToken, the App-Level Token (xapp-...) with the connections:write scope under Basic Information > App-Level Tokens, and that Socket Mode is enabled`
      : `Slack refused the bot token (${error}): check botToken, the Bot User OAuth Token (xoxb-...) under OAuth & Permissions; reinstall the app if it was removed`;
  }
  return `Slack answered ${error} to ${token === 'appToken' ? 'apps.connections.open' : 'auth.test'}`;
}

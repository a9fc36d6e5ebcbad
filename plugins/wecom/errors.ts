import { classifyFailure, type DeliveryError, type FailureTable } from '../../core/plugin';

/** What a long-connection command answered, however it failed. */
export interface WeComFailure {
  /** WeCom's `errcode` from the command's answer frame. */
  errcode?: number;
  errmsg?: string;
  /** No answer: the connection is down or the answer did not come within the SDK's 5 s. */
  network?: boolean;
  message: string;
}

/**
 * Reads a rejection of `@wecom/aibot-node-sdk`: an answer with `errcode` ≠ 0 rejects with the answer
 * frame itself; a closed connection or a missing answer rejects with an Error.
 */
export function describeFailure(err: unknown): WeComFailure {
  const e = err as { errcode?: unknown; errmsg?: unknown; message?: unknown };
  if (e && typeof e === 'object' && typeof e.errcode === 'number') {
    return { errcode: e.errcode, errmsg: String(e.errmsg ?? ''), message: `errcode ${e.errcode}: ${String(e.errmsg ?? '')}` };
  }
  return { network: true, message: typeof e?.message === 'string' ? e.message : String(err) };
}

export const STREAM_EXPIRED = 846608;
export const INVALID_REQ_ID = 846605;
export const BAD_SECRET = 853000;

const CODES: FailureTable = {
  rateLimited: new Set([45009, 45033]),
  tooLarge: new Set([45002, 40006, 40009]),
  transient: new Set([-1, 42001]),
};

/** What the permanent errors mean for the agent's author or the operator. */
const HINTS: Record<number, string> = {
  [INVALID_REQ_ID]: 'the req_id of the message answered is no longer valid: answer sooner, or send to conversation.id',
  [STREAM_EXPIRED]: 'WeCom closes a reply stream 6 minutes after it opened',
  45002: "the content is over WeCom's 20,480 bytes",
  40058: 'WeCom refused a parameter of the command',
  93006: 'WeCom does not know this conversation, or the bot is not in it (a chatid for groups, the userid for single chats)',
  40007: 'the uploaded media is unknown or expired (media_id is valid 3 days)',
  40004: 'WeCom does not take this media type',
  40006: "the file is over WeCom's limit for its type",
  [BAD_SECRET]: 'the Bot ID or Secret is wrong',
};

/**
 * A failed command as a delivery error, by core's shared rules with WeCom's codes: rate limits
 * (45009), system busy (-1) and no answer are retryable; 45002 (over 20,480 bytes) is E_TOO_LARGE;
 * every other errcode is permanent. `platformCode` is the errcode.
 */
export function toDeliveryError(f: WeComFailure, what: string): DeliveryError {
  if (f.network) return classifyFailure({ network: true }, `${what}: no answer from WeCom: ${f.message}`, CODES);
  const hint = HINTS[f.errcode!];
  return classifyFailure(
    { status: 200, code: f.errcode! },
    `${what}: WeCom errcode ${f.errcode} (${f.errmsg})${hint ? `: ${hint}` : ''}`,
    CODES,
  );
}

/** The errcode in the SDK's authentication error (`Authentication failed: <errmsg> (code: <n>)`): the SDK gives it only in the text. */
export function authErrcode(err: Error): number | undefined {
  const m = /^Authentication failed: .*\(code: (-?\d+)\)$/.exec(err.message);
  return m ? Number(m[1]) : undefined;
}

/** A refused subscription in the operator's terms. */
export function explainAuth(errcode: number, message: string): string {
  if (errcode === BAD_SECRET)
    return `WeCom refused the subscription (errcode ${errcode}): check botId and secret (admin console > the smart bot > API mode with long connection)`;
  return `WeCom refused the subscription: ${message}`;
}

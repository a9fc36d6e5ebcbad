import { classifyFailure, type DeliveryError, type FailureTable } from '../../core/plugin';

/** What a Discord HTTP API call answered, however it failed. */
export interface DiscordFailure {
  /** Discord's JSON error code (10003 Unknown Channel, 50013 Missing Permissions...). */
  code?: number;
  /** HTTP status of the answer. */
  status?: number;
  /** How long to wait, from a 429 (ms). */
  retryAfterMs?: number;
  /** The global rate limit refused it. */
  global?: boolean;
  network?: boolean;
  message: string;
}

/**
 * Reads an error of `@discordjs/rest` by its name (a second copy of the package in node_modules
 * would break `instanceof`): `DiscordAPIError` (a JSON error with a code), `HTTPError` (a status without
 * one), `RateLimitError` (a 429, or a bucket wait longer than the channel waits: see connection.ts).
 */
export function describeFailure(err: unknown): DiscordFailure {
  const e = err as {
    name?: string;
    code?: unknown;
    status?: number;
    message?: string;
    retryAfter?: number;
    global?: boolean;
    rawError?: { message?: string };
  };
  const message = e?.rawError?.message ?? e?.message ?? String(err);
  if (e?.name === 'RateLimitError' || (typeof e?.retryAfter === 'number' && 'timeToReset' in (e as object)))
    return { status: 429, retryAfterMs: Math.max(0, Math.ceil(e.retryAfter ?? 0)), global: !!e.global, message };
  if (typeof e?.status === 'number' && e.status > 0)
    return { status: e.status, ...(typeof e.code === 'number' && e.code > 0 ? { code: e.code } : {}), message };
  return { network: true, message };
}

/** Discord codes whose meaning the HTTP status does not carry. */
const CODES: FailureTable = {
  tooLarge: new Set([40005, 50045]),
  transient: new Set([130000]),
};

/** What each error code means for the agent's author or the operator. */
const HINTS: Record<number, string> = {
  10003: 'the channel does not exist or the bot cannot see it: check conversation.id (a channel id)',
  10008: 'the message is gone (deleted in Discord) or the id is wrong',
  10013: 'no such user',
  10014: 'Discord has no such emoji (a unicode emoji, or name:id of a custom one the bot can use)',
  10015: 'the interaction webhook expired (15 minutes after the slash command)',
  10062: 'the interaction expired: Discord wants an answer within 3 s',
  40005: 'the upload is over the size Discord takes in this channel',
  40060: 'the interaction was already answered',
  50001: 'the bot has no access to the channel: invite it to the server and give it View Channel',
  50005: 'the bot can edit only its own messages',
  50006: 'the message is empty',
  50007: 'the user does not take direct messages from the bot (no shared server, or DMs closed)',
  50013: 'the bot lacks a permission here (Send Messages, Add Reactions, Attach Files, Manage Messages...)',
  50035: 'Discord refused a field of the message',
  130000: 'Discord is overloaded; try again',
};

/**
 * Maps a failed call to the delivery error core acts on (core's shared rules with Discord's codes): 429
 * and bucket waits are retryable with Discord's `retry_after`, 40005 is E_TOO_LARGE, 5xx and network
 * failures are retryable, other errors permanent. `platformCode` is Discord's JSON code, else the HTTP status.
 */
export function toDeliveryError(f: DiscordFailure, what: string): DeliveryError {
  const hint = f.code !== undefined ? HINTS[f.code] : undefined;
  const message =
    f.status === 429
      ? `${what}: Discord rate limit${f.global ? ' (global)' : ''}, retry after ${f.retryAfterMs ?? 0} ms`
      : f.network
        ? `${what}: no answer from Discord: ${f.message}`
        : `${what}: Discord answered ${f.status}${f.code !== undefined ? ` code ${f.code}` : ''}: ${f.message}${hint ? ` (${hint})` : ''}`;
  return classifyFailure(
    {
      ...(f.network ? { network: true } : { status: f.status }),
      ...(f.code !== undefined ? { code: f.code } : {}),
      ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}),
    },
    message,
    CODES,
  );
}

/** Gateway close codes that end the connection for good, in operator terms. */
export const FATAL_CLOSE: Record<number, string> = {
  4004: 'Discord refused the bot token (close code 4004 Authentication failed): check token (Developer Portal > Bot > Reset Token)',
  4010: 'Discord refused the shard (close code 4010)',
  4011: 'the bot is in too many servers for one connection (close code 4011 Sharding required)',
  4012: 'Discord refused the gateway API version (close code 4012)',
  4013: 'Discord refused the intents (close code 4013 Invalid intent(s))',
  4014: 'Discord refused a privileged intent (close code 4014 Disallowed intent(s)): turn on Message Content Intent (and Server Members Intent when serverMembers is true) under Developer Portal > Bot > Privileged Gateway Intents, or set messageContent: false',
};

/**
 * Identifier generators shaped like Feishu's (prefixes and lengths as seen in the docs and in
 * real responses). Random, never derived from secrets.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Lower-case hex of `bytes` random bytes. */
export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
function alnum(n: number): string {
  const b = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[b[i] % ALNUM.length];
  return s;
}

/** `om_` + 32 hex: an IM message id. */
export const newMessageId = (): string => `om_${hex(16)}`;
/** `omt_` + 12 hex: a thread id. */
export const newThreadId = (): string => `omt_${hex(6)}`;
/** `ou_` + 32 hex: an open_id. */
export const newOpenId = (): string => `ou_${hex(16)}`;
/** `on_` + 32 hex: a union_id. */
export const newUnionId = (): string => `on_${hex(16)}`;
/** `oc_` + 32 hex: a chat id. */
export const newChatId = (): string => `oc_${hex(16)}`;
/** 32 hex: the schema 2.0 `header.event_id`. */
export const newEventId = (): string => hex(16);
/** 16 hex: a tenant key. */
export const newTenantKey = (): string => hex(8);
/** `cli_` + 16 hex: an app id that passes the SDK's `^cli_[0-9a-f]{16}$` check. */
export const newAppId = (): string => `cli_${hex(8)}`;
/** Tenant access token shaped like the current format (`t-g104…`, 42 chars). */
export const newTenantToken = (): string => `t-g104${alnum(36)}`;
/** Reaction id (opaque, url-safe base64 in real responses). */
export const newReactionId = (): string => randomBytes(36).toString('base64url');
/** Log id as in `error.log_id` / `X-Tt-Logid` (timestamp + hex). */
export function newLogId(): string {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const ts = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  return `${ts}${hex(11).toUpperCase()}`;
}
/** Decimal string id of `digits` digits (device_id, service_id, trace ids). */
export function digits(n: number): string {
  const b = randomBytes(n);
  let s = String((b[0] % 9) + 1);
  for (let i = 1; i < n; i++) s += String(b[i] % 10);
  return s;
}
/** Random unsigned 64-bit value (LogID / SeqID in frames). */
export const randomU64 = (): bigint => randomBytes(8).readBigUInt64BE();

/** Stable p2p chat id for a bot/user pair (Feishu keeps one p2p chat per pair). */
export function p2pChatId(appId: string, userKey: string): string {
  return `oc_${createHash('sha256').update(`${appId}|${userKey}`).digest('hex').slice(0, 32)}`;
}

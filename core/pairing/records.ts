import { randomInt } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Subjects } from '../contract/subjects';
import { openKv, type Replication } from '../bus/replicas';

/** Letters and digits nobody confuses when reading a code aloud or off a phone: no I, O, 0 or 1. */
export const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const CODE_LENGTH = 6;

/** A code a sender got in reply to a direct message, waiting for an operator to approve it. */
export interface PendingPairing {
  code: string;
  channel: string;
  account: string;
  sender: { id: string; name?: string };
  /** The direct conversation the code was sent to. */
  conversation: string;
  createdAt: string;
  expiresAt: string;
  /** When the code was last sent to the sender (repeats within a minute are not answered). */
  repliedAt: string;
}

/** A sender an operator approved: allowed as if listed in the instance's `allowFrom`. */
export interface Approval {
  channel: string;
  account: string;
  sender: { id: string; name?: string };
  approvedAt: string;
  /** The code it was approved with. */
  code: string;
}

export function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** What an operator typed, as a code: `abc-123` and ` ABC123 ` both mean `ABC123`. */
export function normalizeCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '');
}

export function isCode(value: string): boolean {
  return value.length === CODE_LENGTH && [...value].every((c) => CODE_ALPHABET.includes(c));
}

// Sender ids are the platform's and may hold characters a KV key cannot (`.`, `@`, `:`): those are
// stored base64url-encoded behind a `=`, which a plain id never contains.
const PLAIN = /^[A-Za-z0-9_-]{1,200}$/;
const senderToken = (id: string) => (PLAIN.test(id) ? id : `=${Buffer.from(id).toString('base64url')}`);

/** `<channel>.<account>.pending.<code>` */
export function pendingKey(channel: string, account: string, code: string): string {
  return `${channel}.${account}.pending.${code}`;
}

/** `<channel>.<account>.approved.<sender>` */
export function approvalKey(channel: string, account: string, senderId: string): string {
  return `${channel}.${account}.approved.${senderToken(senderId)}`;
}

export function parseKey(key: string): { channel: string; account: string; kind: 'pending' | 'approved' } | undefined {
  const [channel, account, kind, token, ...rest] = key.split('.');
  if (!channel || !account || !token || rest.length || (kind !== 'pending' && kind !== 'approved')) return undefined;
  return { channel, account, kind };
}

/** Opens (creating if needed) the `<prefix>_pairing` bucket every replica and the CLI share. */
export async function openPairingBucket(nc: NatsConnection, s: Subjects, replication?: Replication): Promise<KV> {
  return openKv(nc, s.pairingBucket, { history: 1 }, replication);
}

import type { KV } from '@nats-io/kv';
import { approvalKey, parseKey, pendingKey, type Approval, type PendingPairing } from './records';

/** Every pending code and approved sender in the bucket, oldest first. */
export async function listPairing(kv: KV): Promise<{ pending: PendingPairing[]; approved: Approval[] }> {
  const pending: PendingPairing[] = [];
  const approved: Approval[] = [];
  const keys: string[] = [];
  for await (const k of await kv.keys()) keys.push(k);
  for (const key of keys) {
    const parsed = parseKey(key);
    const e = parsed && (await kv.get(key));
    if (!e || e.operation !== 'PUT') continue;
    if (parsed.kind === 'pending') pending.push(e.json<PendingPairing>());
    else approved.push(e.json<Approval>());
  }
  pending.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  approved.sort((a, b) => a.approvedAt.localeCompare(b.approvedAt));
  return { pending, approved };
}

export type ApproveResult =
  { ok: true; approval: Approval } | { ok: false; reason: 'unknown' } | { ok: false; reason: 'expired'; pending: PendingPairing };

/**
 * Approves the sender a code was issued to, for the instance that issued it: the approval is written
 * before the code is removed, so a failure in between leaves the sender approved, never neither.
 */
export async function approveCode(kv: KV, code: string, now = new Date()): Promise<ApproveResult> {
  const keys: string[] = [];
  for await (const k of await kv.keys(`*.*.pending.${code}`)) keys.push(k);
  for (const key of keys) {
    const e = await kv.get(key);
    if (!e || e.operation !== 'PUT') continue;
    const pending = e.json<PendingPairing>();
    if (Date.parse(pending.expiresAt) <= now.getTime()) {
      await kv.delete(key);
      return { ok: false, reason: 'expired', pending };
    }
    const approval: Approval = {
      channel: pending.channel,
      account: pending.account,
      sender: pending.sender,
      approvedAt: now.toISOString(),
      code,
    };
    await kv.put(approvalKey(pending.channel, pending.account, pending.sender.id), JSON.stringify(approval));
    await kv.delete(pendingKey(pending.channel, pending.account, code));
    return { ok: true, approval };
  }
  return { ok: false, reason: 'unknown' };
}

/** Takes an approval back; resolves with what was removed, or undefined when there was none. */
export async function revokeSender(kv: KV, channel: string, account: string, senderId: string): Promise<Approval | undefined> {
  const key = approvalKey(channel, account, senderId);
  const e = await kv.get(key);
  if (!e || e.operation !== 'PUT') return undefined;
  await kv.delete(key, { previousSeq: e.revision });
  return e.json<Approval>();
}

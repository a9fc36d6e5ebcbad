import type { Logger } from 'pino';
import type { OutboundEnvelope } from '../contract/schemas';
import type { InboundDraft } from '../plugin/types';
import type { PairingDirectory } from './directory';
import { newCode, type PendingPairing } from './records';

/** How pairing codes behave; the defaults are what operators get (tests shorten them). */
export interface PairingLimits {
  /** How long a code can be approved. */
  codeTtlMs: number;
  /** Codes waiting for approval per instance; further strangers get no code until one is used or expires. */
  maxPending: number;
  /** A sender who writes again gets the code again at most this often. */
  replyEveryMs: number;
}

export const DEFAULT_PAIRING_LIMITS: PairingLimits = { codeTtlMs: 3_600_000, maxPending: 3, replyEveryMs: 60_000 };

/** The text a stranger gets in reply to a direct message. */
export function pairingText(code: string, ttlMs: number): string {
  return `To use this bot, ask an operator to run: chat-gateway pair approve ${code} (the code is valid for ${Math.round(ttlMs / 60_000)} minutes)`;
}

/**
 * Pairing for one instance with `dmPolicy: pairing`: says whether a sender was approved, and answers a
 * direct message from a sender nobody allowed with a short code an operator can approve. Challenges run
 * one at a time, so a burst of messages from one stranger yields one code.
 */
export class PairingGate {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: PairingDirectory,
    private readonly channel: string,
    private readonly account: string,
    private readonly limits: PairingLimits,
    /** Sends a message core built itself through the instance's adapter. */
    private readonly send: (envelope: OutboundEnvelope) => Promise<unknown>,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  allows(senderId: string): boolean {
    return this.dir.isApproved(this.channel, this.account, senderId);
  }

  /** Answers a stranger's direct message with a pairing code (or not, within the limits). Never throws. */
  challenge(draft: InboundDraft): Promise<void> {
    const run = this.chain.then(() => this.answer(draft));
    this.chain = run.catch(() => undefined);
    return run.catch((err: Error) =>
      this.log.warn({ senderId: draft.sender.id, err: err.message }, `pairing request from ${draft.sender.id} not handled: ${err.message}`),
    );
  }

  private async answer(draft: InboundDraft): Promise<void> {
    const now = this.now();
    const sender = draft.sender;
    const who = { senderId: sender.id, senderName: sender.name };
    const live: PendingPairing[] = [];
    for (const p of this.dir.pendingOf(this.channel, this.account)) {
      if (Date.parse(p.expiresAt) > now) live.push(p);
      else {
        this.log.debug({ senderId: p.sender.id, code: p.code }, `pairing code ${p.code} of ${p.sender.id} expired unapproved`);
        await this.dir.drop(p).catch(() => undefined);
      }
    }
    const mine = live.find((p) => p.sender.id === sender.id);
    if (mine) {
      if (now - Date.parse(mine.repliedAt) < this.limits.replyEveryMs) {
        this.log.debug(
          { ...who, code: mine.code },
          `message from ${sender.id} dropped: pairing code already sent moments ago, not sent again`,
        );
        return;
      }
      await this.dir.update({ ...mine, repliedAt: new Date(now).toISOString() });
      this.log.info(
        { ...who, code: mine.code, expiresAt: mine.expiresAt },
        `message from ${sender.id} dropped: pairing code ${mine.code} sent again; approve with: chat-gateway pair approve ${mine.code}`,
      );
      this.reply(draft, mine);
      return;
    }
    if (live.length >= this.limits.maxPending) {
      this.log.warn(
        { ...who, pending: live.length },
        `message from ${sender.id} dropped: ${live.length} pairing codes are already waiting for approval on ${this.channel}/${this.account} (the most); approve or revoke them (chat-gateway pair list) or wait until they expire`,
      );
      return;
    }
    const stamp = new Date(now).toISOString();
    const base = {
      channel: this.channel,
      account: this.account,
      sender: { id: sender.id, ...(sender.name ? { name: sender.name } : {}) },
      conversation: draft.conversation.id,
      createdAt: stamp,
      repliedAt: stamp,
      expiresAt: new Date(now + this.limits.codeTtlMs).toISOString(),
    };
    for (let tries = 0; tries < 3; tries++) {
      const pending: PendingPairing = { code: newCode(), ...base };
      if (!(await this.dir.issue(pending))) continue;
      this.log.info(
        { ...who, code: pending.code, expiresAt: pending.expiresAt },
        `message from ${sender.id} dropped: sender not allowed yet; pairing code ${pending.code} sent; approve with: chat-gateway pair approve ${pending.code}`,
      );
      this.reply(draft, pending);
      return;
    }
    throw new Error('no free pairing code after 3 tries');
  }

  // Not awaited: the platform gets its acknowledgement without waiting for the reply to go out.
  private reply(draft: InboundDraft, p: PendingPairing): void {
    const envelope: OutboundEnvelope = {
      v: 1,
      id: `pairing-${p.code}-${this.now()}`,
      conversation: { id: draft.conversation.id },
      text: pairingText(p.code, this.limits.codeTtlMs),
    };
    this.send(envelope).then(
      () => this.log.debug({ senderId: p.sender.id, code: p.code }, 'pairing reply delivered'),
      (err: Error) =>
        this.log.warn(
          { senderId: p.sender.id, code: p.code, err: err.message },
          `pairing reply to ${p.sender.id} not delivered: ${err.message}`,
        ),
    );
  }
}

import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { InboundAny, InboundEnvelope, Receipt } from '../contract/schemas';
import { checkInbound } from '../contract/validate';
import { ensure, same } from './checks';
import { startNats, type TestNats } from './nats-server';
import { Session, type SessionSettings } from './session';
import type { ConformanceOptions, FailureKind, InjectedMessage, PlatformDriver } from './types';

/** What an envelope must say about the message the driver injected. */
export interface Expected {
  messageId: string;
  conversation: { id: string; type: 'direct' | 'group' };
  senderId: string;
  text: string;
}

/**
 * The state the conformance tests share: the NATS server and connection, the driver, and the ids and
 * texts the tests make (unique per run, so several runs can share one NATS).
 */
export class Kit {
  nc!: NatsConnection;
  private nats?: TestNats;
  private natsUrl = '';
  private counter = 0;
  private readonly run = randomBytes(4).toString('hex');

  constructor(readonly opts: ConformanceOptions) {}

  get driver(): PlatformDriver {
    return this.opts.platform;
  }

  get channel(): string {
    return this.opts.plugin.name;
  }

  get account(): string {
    return this.opts.account ?? 'conformance';
  }

  get waitMs(): number {
    return this.opts.timeouts?.waitMs ?? 10_000;
  }

  get groups(): boolean {
    return this.driver.supports?.groups ?? false;
  }

  fails(kind: FailureKind): boolean {
    if (!this.driver.failNext) return false;
    return this.driver.supports?.failures?.includes(kind) ?? true;
  }

  async setUp(): Promise<void> {
    if (this.opts.natsUrl) this.natsUrl = this.opts.natsUrl;
    else {
      this.nats = await startNats();
      this.natsUrl = this.nats.url;
    }
    this.nc = await connect({ servers: this.natsUrl });
    await this.driver.start?.();
  }

  async tearDown(): Promise<void> {
    await this.driver.stop?.();
    await this.nc?.close();
    await this.nats?.close();
  }

  /** Starts a gateway with the plugin and these access rules; resolves once it is connected and the driver attached. */
  async open(access: SessionSettings['access']): Promise<Session> {
    const options = { ...(this.opts.options ?? {}), ...(this.driver.options?.() ?? {}) };
    const s = await Session.open(this.nc, {
      plugin: this.opts.plugin,
      options,
      account: this.account,
      natsUrl: this.natsUrl,
      waitMs: this.waitMs,
      access,
    });
    try {
      await s.statuses.first(
        (e) => e.state === 'connected',
        `status "connected" on ${s.subjects.status(this.channel, this.account)}`,
        this.waitMs,
      );
      await this.driver.attached?.({
        channel: this.channel,
        account: this.account,
        httpUrl: s.gateway!.http.url,
        natsUrl: this.natsUrl,
        prefix: s.prefix,
      });
    } catch (err) {
      await s.close();
      throw s.explain((err as Error).message);
    }
    return s;
  }

  /** Detaches the driver and stops the gateway; resolves with how long the gateway took to stop. */
  async close(s: Session | undefined): Promise<number> {
    if (!s) return 0;
    await this.driver.detached?.();
    return s.close();
  }

  conversation(type: 'direct' | 'group', n: number): string {
    return this.driver.ids?.conversation?.(type, n) ?? `conf-${type}-${n}`;
  }

  sender(n: number): string {
    return this.driver.ids?.sender?.(n) ?? `conf-user-${n}`;
  }

  /** A message from user `n` in conversation `n` of `type`, with a text no other test uses. */
  message(type: 'direct' | 'group', n: number, text: string, extra: { sender?: number; mentionsBot?: boolean } = {}): InjectedMessage {
    const id = `cf${this.run}${String(++this.counter).padStart(4, '0')}`;
    const sender = this.sender(extra.sender ?? n);
    return {
      id,
      conversation: { id: this.conversation(type, n), type },
      sender: { id: sender, name: `User ${extra.sender ?? n}` },
      text: `${text} [${id}]`,
      ...(extra.mentionsBot !== undefined ? { mentionsBot: extra.mentionsBot } : {}),
    };
  }

  /** An outbound envelope id no other test uses. */
  outId(): string {
    return `cf-out-${this.run}-${++this.counter}`;
  }

  /** Hands the message to the driver; resolves with the platform message id it got. */
  async inject(m: InjectedMessage): Promise<string> {
    const r = await this.driver.inject(m);
    return (r && r.messageId) || m.id;
  }

  /** Injects and waits for the message's envelope on `<prefix>.in.>`, checking it says what was sent. */
  async roundTrip(s: Session, m: InjectedMessage): Promise<InboundEnvelope> {
    const messageId = await this.inject(m);
    const { subject, value } = await s.inbox.first(
      (e) => !!textOf(e)?.includes(m.text),
      `the envelope of "${m.text}" on ${s.prefix}.in.>`,
      this.waitMs,
    );
    ensure(value.kind === 'message', `the envelope of "${m.text}" has kind "${value.kind}", not "message"`);
    checkEnvelope(s, subject, value, { messageId, conversation: m.conversation, senderId: m.sender.id, text: m.text });
    return value;
  }

  /** The receipt for outbound envelope `id`. */
  async receipt(s: Session, id: string): Promise<Receipt> {
    return (await s.receipts.first((r) => r.id === id, `the receipt for outbound envelope "${id}"`, this.waitMs * 2)).value;
  }

  /**
   * Proves that nothing more arrives on `<prefix>.in.>` for what was injected before: injects a marker in
   * conversation `n` of `type` and waits for its envelope. Envelopes of one conversation are stored in
   * the order the platform delivered them, so anything earlier would be there by then.
   */
  async inboundBarrier(s: Session, type: 'direct' | 'group', n: number, sender?: number): Promise<void> {
    await this.roundTrip(s, this.message(type, n, 'barrier', { ...(sender !== undefined ? { sender } : {}), mentionsBot: true }));
  }

  /**
   * Proves that no more receipts or deliveries come for what was sent before to `conversation`: sends a
   * marker envelope there and waits for its receipt (one conversation is delivered in publish order).
   */
  async outboundBarrier(s: Session, conversation: string): Promise<void> {
    const id = this.outId();
    s.publish({ v: 1, id, conversation: { id: conversation }, text: `barrier [${id}]` });
    const receipt = await this.receipt(s, id);
    s.require(receipt.ok, `the barrier envelope failed: ${JSON.stringify(receipt.error)}`);
  }
}

/** Checks an inbound envelope against the schema and against what the driver injected. */
export function checkEnvelope(s: Session, subject: string, env: InboundEnvelope, want: Expected): void {
  same(subject, s.subjects.in(s.channel, s.account), 'subject of the envelope');
  const checked = checkInbound(env);
  ensure(checked.ok, `the envelope breaks the inbound schema: ${checked.ok ? '' : checked.message}`);
  same(env.channel, s.channel, 'envelope channel');
  same(env.account, s.account, 'envelope account');
  same(env.message.id, want.messageId, 'envelope message.id (the platform message id)');
  same(env.id, `${s.channel}:${s.account}:${want.messageId}`, 'envelope id');
  same({ id: env.conversation.id, type: env.conversation.type }, want.conversation, 'envelope conversation');
  same(env.sender.id, want.senderId, 'envelope sender.id');
  same(env.sender.kind, 'user', 'envelope sender.kind');
}

/** The text of a message envelope; undefined for events. */
export function textOf(e: InboundAny): string | undefined {
  return e.kind === 'message' ? e.message.text : undefined;
}

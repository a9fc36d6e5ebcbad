import { AsyncLocalStorage } from 'node:async_hooks';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { backoff } from '../plugin/backoff';
import { hashId } from '../plugin/text';
import { sleep } from '../plugin/timing';
import { createHash, randomUUID } from 'node:crypto';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { NamePattern, type InboundEnvelope, type OutboundEnvelope, type Receipt } from '../contract/schemas';
import { subjects, type Subjects } from '../contract/subjects';
import { checkOutbound } from '../contract/validate';
import { TRACEPARENT, parseTraceparent } from '../trace/context';
import { AgentError } from './agent-error';
import { subscribeCore } from './core-subscription';
import { subscribeDurable } from './durable-subscription';
import { HandlerRunner } from './handler-runner';
import { ReceiptWaiter } from './receipt-waiter';
import { traceOf } from './trace';
import type { AgentSubscription, ErrorListener, MessageHandler, OnMessageOptions, OutboundDraft, ReplyBody, SendOptions } from './types';

/** The message a handler is running for, how many replies it sent so far, and its trace. */
const replyScope = new AsyncLocalStorage<{ inboundId: string; count: number; traceparent?: string }>();

/** How `AgentClient.connect` reaches NATS and the gateway. */
export interface AgentClientOptions {
  /** NATS server URL(s). Default: `NATS_URL` (comma-separated list allowed), else `nats://127.0.0.1:4222`. */
  servers?: string | string[];
  /** The gateway's `nats.prefix`. Default `chat`. */
  prefix?: string;
  /** Connection name shown by the NATS server. Default `chat-gateway-agent`. */
  name?: string;
  user?: string;
  pass?: string;
  token?: string;
  /** How long `reply()` and `send()` wait for the receipt. Default 60000. */
  receiptTimeoutMs?: number;
  /** Handler errors, invalid inbound envelopes and consumer problems. Default: a line on stderr. */
  onError?: ErrorListener;
}

const NAME = new RegExp(NamePattern);

function defaultServers(): string[] {
  const env = process.env.NATS_URL?.trim();
  return env
    ? env
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : ['nats://127.0.0.1:4222'];
}

/**
 * A small client for agent backends: receive inbound envelopes, reply, and get each delivery's
 * receipt as the outcome of a promise. Everything it does is plain NATS on the documented subjects.
 */
export class AgentClient {
  private readonly subscriptions = new Set<AgentSubscription>();
  private closing?: Promise<void>;
  private readonly js: JetStreamClient;
  private outbox?: KV;

  private constructor(
    /** The underlying NATS connection, for anything the client does not cover (status KV, ...). */
    readonly nc: NatsConnection,
    /** Subject and stream names for the prefix in use. */
    readonly subjects: Subjects,
    private readonly receipts: ReceiptWaiter,
    private readonly onError: ErrorListener,
  ) {
    this.js = jetstream(nc);
  }

  /** Connects to NATS and subscribes to receipts; reconnects on its own while it runs. */
  static async connect(options: AgentClientOptions = {}): Promise<AgentClient> {
    const servers = options.servers ?? defaultServers();
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers,
        name: options.name ?? 'chat-gateway-agent',
        maxReconnectAttempts: -1,
        ...(options.user !== undefined ? { user: options.user } : {}),
        ...(options.pass !== undefined ? { pass: options.pass } : {}),
        ...(options.token !== undefined ? { token: options.token } : {}),
      });
    } catch (err) {
      throw new Error(
        `cannot connect to NATS at ${[servers].flat().join(', ')}: ${(err as Error).message} (set NATS_URL or the servers option)`,
        { cause: err },
      );
    }
    const s = subjects(options.prefix ?? 'chat');
    const receipts = new ReceiptWaiter(nc, s.prefix, options.receiptTimeoutMs ?? 60_000);
    await receipts.start();
    const onError: ErrorListener =
      options.onError ??
      ((err, ctx) => console.error(`chat-gateway agent: ${err.message}${ctx.envelopeId ? ` (envelope ${ctx.envelopeId})` : ''}`));
    return new AgentClient(nc, s, receipts, onError);
  }

  /**
   * Calls `handler` for every inbound envelope of the selected channel and account. Handlers for one
   * conversation run one at a time in arrival order; different conversations run in parallel.
   * Resolves when the subscription is live.
   */
  async onMessage(handler: MessageHandler, options: OnMessageOptions = {}): Promise<AgentSubscription> {
    const channel = checkName('channel', options.channel) ?? '*';
    const account = checkName('account', options.account) ?? '*';
    // Each run of the handler counts its replies from 1, so a rerun for the same message reuses the ids.
    const counted: MessageHandler = (msg) => replyScope.run({ inboundId: msg.id, count: 0, traceparent: traceOf(msg) }, () => handler(msg));
    const runner = new HandlerRunner(counted, this.onError);
    const sub = options.durable
      ? await subscribeDurable(
          this.nc,
          this.subjects.inStream,
          checkName('durable', options.durable)!,
          `${this.subjects.prefix}.ingest.${channel}.${account}`,
          options.redeliveryDelayMs ?? 1000,
          runner,
          options.from ?? 'new',
        )
      : await subscribeCore(
          this.nc,
          this.subjects.in(channel, account),
          options.queue === false ? undefined : (options.queue ?? 'agents'),
          runner,
        );
    const tracked: AgentSubscription = {
      stop: async () => {
        await sub.stop();
        this.subscriptions.delete(tracked);
      },
    };
    this.subscriptions.add(tracked);
    return tracked;
  }

  /**
   * Replies to an inbound message in its conversation (`conversation.id` and `replyTo` taken from it),
   * in the message's trace: the reply carries the `traceparent` the message came with.
   * Resolves with the ok receipt; rejects with an `AgentError` for a failed receipt or no receipt in time.
   */
  reply(inbound: InboundEnvelope, body: string | ReplyBody, options: SendOptions = {}): Promise<Receipt> {
    const { id, ...rest } = typeof body === 'string' ? { text: body } : body;
    const draft: OutboundDraft = {
      conversation: { id: inbound.conversation.id },
      replyTo: inbound.message.id,
      ...rest,
      id: id ?? this.replyId(inbound.id),
    };
    const traceparent = options.traceparent ?? traceOf(inbound);
    return this.send(inbound.channel, inbound.account, draft, traceparent ? { traceparent } : {});
  }

  /**
   * The W3C `traceparent` an inbound message came with (the gateway starts one for every message), for
   * an agent that records its own spans: make them children of it and pass yours to `reply()`.
   */
  traceparent(inbound: InboundEnvelope): string | undefined {
    return traceOf(inbound);
  }

  /**
   * Inside a handler, the n-th reply to the message being handled gets an id derived from the inbound
   * envelope id and n: a handler run again for the same message (a durable redelivery, another
   * replica) produces the same ids, so the gateway delivers each reply once. Elsewhere: a random id.
   */
  private replyId(inboundId: string): string {
    const scope = replyScope.getStore();
    if (!scope || scope.inboundId !== inboundId) return randomUUID();
    const n = ++scope.count;
    return `r-${createHash('sha256').update(inboundId).digest('hex').slice(0, 24)}-${n}`;
  }

  /**
   * Publishes an outbound envelope on `<prefix>.out.<channel>.<account>` (an `id` is generated when it
   * has none) and resolves with its ok receipt. An envelope the gateway would refuse with `E_SCHEMA`
   * is rejected here without being published. Inside a message handler it carries that message's trace.
   */
  async send(channel: string, account: string, outbound: OutboundEnvelope | OutboundDraft, options: SendOptions = {}): Promise<Receipt> {
    for (const [what, value] of [
      ['channel', channel],
      ['account', account],
    ] as const) {
      if (!NAME.test(value))
        throw new AgentError('E_UNKNOWN_ACCOUNT', `${what} ${JSON.stringify(value)} is not a valid name (${NamePattern})`, {
          retryable: false,
        });
    }
    const envelope = { v: 1 as const, ...outbound, id: outbound.id ?? randomUUID() };
    const checked = checkOutbound(envelope);
    if (!checked.ok) throw new AgentError('E_SCHEMA', checked.message, { retryable: false, id: envelope.id });
    const traceparent = options.traceparent ?? replyScope.getStore()?.traceparent;
    if (traceparent !== undefined && !parseTraceparent(traceparent))
      throw new AgentError(
        'E_SCHEMA',
        `traceparent ${JSON.stringify(traceparent)} is not a W3C traceparent (00-<32 hex trace id>-<16 hex span id>-<2 hex flags>)`,
        { retryable: false, id: envelope.id },
      );
    if (this.closing) throw new AgentError('E_CLOSED', 'the agent client is closed', { retryable: true, id: envelope.id });
    const receipt = this.receipts.expect(channel, account, envelope.id);
    let settled = false;
    receipt.then(
      () => (settled = true),
      () => (settled = true),
    );
    const duplicate = await this.publishStored(
      this.subjects.out(channel, account),
      JSON.stringify(envelope),
      envelope.id,
      () => settled,
      traceparent,
    );
    // The stream already had this id (a resend): its receipt may have gone by; the outbox keeps delivered ones.
    if (duplicate) await this.receiptFromOutbox(channel, account, envelope.id);
    return receipt;
  }

  /**
   * Publishes through JetStream and waits for the stream's acknowledgement, so an envelope sent while
   * NATS is unreachable is not lost: it is published again (same `Nats-Msg-Id`, so the stream keeps
   * one copy) until it is stored or the receipt wait gives up.
   */
  private async publishStored(subject: string, data: string, id: string, gaveUp: () => boolean, traceparent?: string): Promise<boolean> {
    const h = traceparent ? headers() : undefined;
    h?.set(TRACEPARENT, traceparent!);
    for (let attempt = 1; !gaveUp(); attempt++) {
      try {
        return (await this.js.publish(subject, data, { msgID: id, timeout: 5000, ...(h ? { headers: h } : {}) })).duplicate;
      } catch (err) {
        if (this.closing) return false;
        if (attempt === 1 || attempt % 10 === 0)
          this.onError(new Error(`outbound envelope not stored yet, retrying: ${(err as Error).message}`), { subject, envelopeId: id });
        await sleep(backoff(attempt + 1, { initialMs: 100, maxMs: 2000, jitter: 'none' }));
      }
    }
    return false;
  }

  private async receiptFromOutbox(channel: string, account: string, id: string): Promise<void> {
    try {
      this.outbox ??= await new Kvm(this.nc).open(this.subjects.outboxBucket);
      const entry = await this.outbox.get(`${channel}.${account}.${hashId(id, 64)}`);
      if (entry?.operation === 'PUT') this.receipts.deliver(entry.json<Receipt>());
    } catch (err) {
      this.onError(new Error(`could not read the outbox for a resent envelope: ${(err as Error).message}`), { envelopeId: id });
    }
  }

  /**
   * Stops every subscription (letting running handlers finish, and their replies get receipts), then
   * rejects what still waits for a receipt with `E_CLOSED` and closes the connection.
   */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      await Promise.all([...this.subscriptions].map((s) => s.stop()));
      this.receipts.close();
      if (!this.nc.isClosed()) await this.nc.drain();
    })());
  }
}

function checkName(what: string, value: string | undefined): string | undefined {
  if (value !== undefined && !NAME.test(value)) throw new Error(`${what} ${JSON.stringify(value)} is not a valid name (${NamePattern})`);
  return value;
}

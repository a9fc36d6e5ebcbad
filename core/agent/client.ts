import { AsyncLocalStorage } from 'node:async_hooks';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { backoff } from '../plugin/backoff';
import { sleep } from '../plugin/timing';
import { createHash, randomUUID } from 'node:crypto';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import {
  NamePattern,
  type InboundAction,
  type InboundAny,
  type InboundEnvelope,
  type InboundEvent,
  type InboundKind,
  type MediaKind,
  type OutboundEnvelope,
  type Part,
  type Attachment,
  type Receipt,
} from '../contract/schemas';
import { subjects, type Subjects } from '../contract/subjects';
import { checkOutbound } from '../contract/validate';
import { outboxKey, receiptOf } from '../delivery/outbox';
import { TRACEPARENT, parseTraceparent } from '../trace/context';
import { AgentError } from './agent-error';
import { AgentMedia, type Download } from './media';
import { AccountsStore } from '../accounts/store';
import { StreamWriter } from './stream-writer';
import { subscribeCore } from './core-subscription';
import { subscribeDurable } from './durable-subscription';
import { HandlerRunner } from './handler-runner';
import { ReceiptWaiter } from './receipt-waiter';
import { traceOf } from './trace';
import { NAME, checkName, defaultServers, type AgentClientOptions } from './options';
import { refOf, type MessageRef } from './refs';
import type { AgentSubscription, ErrorListener, MessageHandler, OnMessageOptions, OutboundDraft, ReplyBody, SendOptions } from './types';

/** The message a handler is running for, how many replies it sent so far, and its trace. */
const replyScope = new AsyncLocalStorage<{ inboundId: string; count: number; traceparent?: string }>();

/**
 * A small client for agent backends: receive inbound envelopes, reply, and get each delivery's
 * receipt as the outcome of a promise. Everything it does is plain NATS on the documented subjects.
 */
export type { AgentClientOptions } from './options';
export type { MessageRef } from './refs';

export class AgentClient {
  private readonly subscriptions = new Set<AgentSubscription>();
  private closing?: Promise<void>;
  private readonly js: JetStreamClient;
  private outbox?: KV;
  private readonly media: AgentMedia;

  private constructor(
    /** The underlying NATS connection, for anything the client does not cover (status KV, ...). */
    readonly nc: NatsConnection,
    /** Subject and stream names for the prefix in use. */
    readonly subjects: Subjects,
    private readonly receipts: ReceiptWaiter,
    private readonly onError: ErrorListener,
    receiptTimeoutMs: number,
  ) {
    this.js = jetstream(nc);
    this.media = new AgentMedia(nc, subjects, receiptTimeoutMs);
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
    return new AgentClient(nc, s, receipts, onError, options.receiptTimeoutMs ?? 60_000);
  }

  /**
   * Calls `handler` for every inbound message of the selected channel and account. Handlers for one
   * conversation run one at a time in arrival order; different conversations run in parallel.
   * Resolves when the subscription is live.
   */
  onMessage(handler: MessageHandler, options: OnMessageOptions = {}): Promise<AgentSubscription> {
    return this.subscribe(['message'], handler as (env: InboundAny) => void, options, 'agents');
  }

  /**
   * Calls `handler` for every button click (and bot-menu item) of the selected channel and account: an
   * `action` envelope with the button's `id` and `value`, and `action.envelope`, the id of the message
   * it was on, which `edit()` takes. Its default queue group is `agents-action`, so a process that
   * handles only messages never receives (and drops) a click.
   */
  onAction(handler: (action: InboundAction) => void | Promise<void>, options: OnMessageOptions = {}): Promise<AgentSubscription> {
    return this.subscribe(['action'], handler as (env: InboundAny) => void, options, 'agents-action');
  }

  /**
   * Calls `handler` for the other inbound kinds: `command`, `reaction`, `member`, `recall` (those the
   * gateway publishes: see `events:` in docs/configuration.md), or only `options.kinds`. Default queue
   * group `agents-event`.
   */
  onEvent(
    handler: (event: Exclude<InboundEvent, InboundAction>) => void | Promise<void>,
    options: OnMessageOptions & { kinds?: Array<Exclude<InboundKind, 'message' | 'action'>> } = {},
  ): Promise<AgentSubscription> {
    const kinds = options.kinds ?? (['command', 'reaction', 'member', 'recall'] as const);
    return this.subscribe([...kinds], handler as (env: InboundAny) => void, options, 'agents-event');
  }

  private async subscribe(
    kinds: InboundKind[],
    handler: (env: InboundAny) => void | Promise<void>,
    options: OnMessageOptions,
    defaultQueue: string,
  ): Promise<AgentSubscription> {
    const channel = checkName('channel', options.channel) ?? '*';
    const account = checkName('account', options.account) ?? '*';
    // Each run of the handler counts its replies from 1, so a rerun for the same envelope reuses the ids.
    const counted = (env: InboundAny) => replyScope.run({ inboundId: env.id, count: 0, traceparent: traceOf(env) }, () => handler(env));
    const runner = new HandlerRunner(counted, this.onError, kinds);
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
          options.queue === false ? undefined : (options.queue ?? defaultQueue),
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
   * or answers an event (a click, a command) in the conversation it happened in, in its trace: the
   * reply carries the `traceparent` the inbound envelope came with. Resolves with the ok receipt;
   * rejects with an `AgentError` for a failed receipt or no receipt in time.
   */
  reply(inbound: InboundAny, body: string | ReplyBody, options: SendOptions = {}): Promise<Receipt> {
    const { id, ...rest } = typeof body === 'string' ? { text: body } : body;
    const draft: OutboundDraft = {
      conversation: { id: inbound.conversation.id },
      ...(inbound.kind === 'message' ? { replyTo: inbound.message.id } : {}),
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
  traceparent(inbound: InboundAny): string | undefined {
    return traceOf(inbound);
  }

  /**
   * Opens a streaming answer to `inbound` (one message that fills in as the model writes): call
   * `update(textSoFar)` as often as you like and `await done(finalText)`. See `StreamWriter`.
   */
  stream(inbound: InboundAny, options: { id?: string; text?: string; format?: OutboundEnvelope['format'] } = {}): StreamWriter {
    const trace = traceOf(inbound);
    const open: OutboundEnvelope = {
      v: 1,
      id: options.id ?? this.replyId(inbound.id),
      conversation: { id: inbound.conversation.id },
      ...(inbound.kind === 'message' ? { replyTo: inbound.message.id } : {}),
      stream: true,
      text: options.text ?? '',
      ...(options.format ? { format: options.format } : {}),
    };
    return new StreamWriter(
      open,
      (env) => this.dispatch(inbound.channel, inbound.account, env, trace ? { traceparent: trace } : {}),
      (err) => this.onError(err, { envelopeId: open.id }),
      options.format,
    );
  }

  /**
   * Replaces the content of a message this agent sent (a full snapshot): `target` is the receipt of the
   * envelope that sent it, the action whose button was on it (`action.envelope`), or its channel,
   * account and envelope id.
   */
  edit(target: MessageRef, body: string | Omit<ReplyBody, 'attachments'>): Promise<Receipt> {
    const { channel, account, envelope } = refOf(target);
    const { id, ...rest } = typeof body === 'string' ? { text: body } : body;
    return this.send(channel, account, { ...rest, edit: envelope, id: id ?? this.editId(envelope) });
  }

  /** Recalls a message this agent sent (`target` as for `edit`). */
  delete(target: MessageRef): Promise<Receipt> {
    const { channel, account, envelope } = refOf(target);
    return this.send(channel, account, { delete: envelope, id: this.editId(envelope, 'delete') });
  }

  /** Sets (or with `remove`, takes back) the bot's reaction on an inbound message: `thumbsup`, `eyes`, `check`... */
  react(msg: InboundEnvelope, emoji: string, options: { remove?: boolean } = {}): Promise<Receipt> {
    const react = { messageId: msg.message.id, emoji, ...(options.remove ? { remove: true as const } : {}) };
    return this.send(msg.channel, msg.account, { react, id: this.replyId(msg.id) });
  }

  /** Shows the platform's working indicator where `inbound` happened, until the next message there (about 60 s at most). */
  typing(inbound: InboundAny): Promise<Receipt> {
    return this.send(inbound.channel, inbound.account, {
      typing: true,
      conversation: { id: inbound.conversation.id },
      ...(inbound.kind === 'message' ? { replyTo: inbound.message.id } : {}),
      id: this.replyId(inbound.id),
    });
  }

  /** The bytes of a media part of an inbound message (the gateway fetches them from the platform into the media bucket). */
  download(msg: InboundEnvelope, part: Extract<Part, { ref: string }>): Promise<Download> {
    return this.media.download(msg, part);
  }

  /**
   * The accounts bucket, for a backend that provisions bots per customer: `put(channel, entry)`,
   * `list()`, `remove()`, `waitFor(channel, account, ['connected'])` (gateways run with
   * `accounts.fromNats: true`). The connection needs NATS permissions on that bucket.
   */
  accounts(): Promise<AccountsStore> {
    return AccountsStore.open(this.nc, this.subjects);
  }

  /** Puts bytes into the media bucket; put the returned attachment in a reply's `attachments`. */
  upload(data: Uint8Array | AsyncIterable<Uint8Array>, meta: { name?: string; mime?: string; kind?: MediaKind } = {}): Promise<Attachment> {
    return this.media.upload(data, meta);
  }

  /** An id for an edit or delete of `envelope`: derived, so a handler run again repeats it; otherwise fresh. */
  private editId(envelope: string, what = 'edit'): string {
    const scope = replyScope.getStore();
    if (!scope) return randomUUID();
    const n = ++scope.count;
    return `${what[0]}-${createHash('sha256').update(`${scope.inboundId}\n${envelope}`).digest('hex').slice(0, 24)}-${n}`;
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
    const { receipt } = await this.dispatch(channel, account, { v: 1 as const, ...outbound, id: outbound.id ?? randomUUID() }, options);
    return receipt;
  }

  /** Validates and publishes; resolves once stored, with the promise of the receipt. */
  private async dispatch(
    channel: string,
    account: string,
    envelope: OutboundEnvelope,
    options: SendOptions = {},
  ): Promise<{ receipt: Promise<Receipt> }> {
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
    return { receipt };
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
      const entry = await this.outbox.get(outboxKey(channel, account, id));
      if (entry?.operation === 'PUT') this.receipts.deliver(receiptOf(entry.json()));
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

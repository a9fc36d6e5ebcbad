import { Context, DeliveryError, Options, definePlugin, inject, injectable } from '../../core/plugin';
import type { ChannelAdapter, InboundDraft, OutboundEnvelope, PluginContext, PublishResult, SendInfo, SendResult } from '../../core/plugin';
import { Instances } from './instances';

/**
 * A test-only channel: the "platform" is this process. Tests reach an instance through
 * `loopback.get(account)` to inject platform messages and read what the gateway sent.
 */
export interface LoopbackOptions {
  failStart?: string;
  startDelayMs?: number;
  stopDelayMs?: number;
  sendDelayMs?: number;
}

export interface SentRecord {
  envelope: OutboundEnvelope;
  attempt: number;
  /** `SendInfo.term`: which term of sending the envelope went out in. */
  term?: number;
  at: number;
}

type Fault = { error: DeliveryError | Error; times: number };

@injectable()
export class LoopbackAdapter implements ChannelAdapter {
  readonly sent: SentRecord[] = [];
  started = false;
  stopped = false;
  private faults: Fault[] = [];
  private counter = 0;

  constructor(
    @inject(Context) readonly ctx: PluginContext,
    @inject(Options) readonly options: LoopbackOptions,
  ) {}

  async start(): Promise<void> {
    if (this.options.startDelayMs) await new Promise((r) => setTimeout(r, this.options.startDelayMs));
    if (this.options.failStart) throw new Error(this.options.failStart);
    loopback.started(this.ctx.account, this);
    this.started = true;
    this.ctx.status('connected', 'loopback ready');
  }

  async send(envelope: OutboundEnvelope, info: SendInfo): Promise<SendResult> {
    if (this.options.sendDelayMs) await new Promise((r) => setTimeout(r, this.options.sendDelayMs));
    const fault = this.faults[0];
    if (fault) {
      if (--fault.times <= 0) this.faults.shift();
      throw fault.error;
    }
    this.sent.push({ envelope, attempt: info.attempt, term: info.term, at: Date.now() });
    return { messageIds: [`lb_${++this.counter}`] };
  }

  async stop(): Promise<void> {
    if (this.options.stopDelayMs) await new Promise((r) => setTimeout(r, this.options.stopDelayMs));
    this.stopped = true;
    loopback.stopped(this.ctx.account, this);
  }

  /** A message arriving from the "platform". */
  receive(draft: InboundDraft): Promise<PublishResult> {
    return this.ctx.publish(draft);
  }

  /** The next `times` sends throw `error`. */
  failNext(error: DeliveryError | Error, times = 1): void {
    this.faults.push({ error, times });
  }
}

export const loopback = new Instances<LoopbackAdapter>('loopback');

export default definePlugin({
  name: 'loopback',
  apiVersion: 1,
  options: {
    type: 'object',
    properties: {
      failStart: { type: 'string' },
      startDelayMs: { type: 'integer', minimum: 0 },
      stopDelayMs: { type: 'integer', minimum: 0 },
      sendDelayMs: { type: 'integer', minimum: 0 },
      token: { type: 'string', description: 'a pretend secret, to test log redaction' },
    },
  },
  secrets: ['token'],
  adapter: LoopbackAdapter,
});

import { Context, DeliveryError, Options, definePlugin, inject, injectable } from '../../core/plugin';
import type { ChannelAdapter, InboundDraft, OutboundEnvelope, PluginContext, PublishResult, SendInfo, SendResult } from '../../core/plugin';

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
    registry.set(this.ctx.account, this);
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
    this.sent.push({ envelope, attempt: info.attempt, at: Date.now() });
    return { messageIds: [`lb_${++this.counter}`] };
  }

  async stop(): Promise<void> {
    if (this.options.stopDelayMs) await new Promise((r) => setTimeout(r, this.options.stopDelayMs));
    this.stopped = true;
    if (registry.get(this.ctx.account) === this) registry.delete(this.ctx.account);
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

const registry = new Map<string, LoopbackAdapter>();

export const loopback = {
  get(account = 'default'): LoopbackAdapter {
    const a = registry.get(account);
    if (!a) throw new Error(`no started loopback instance for account ${account}`);
    return a;
  },
  has(account = 'default'): boolean {
    return registry.has(account);
  },
};

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

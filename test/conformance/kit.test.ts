import { Context, DeliveryError, Options, definePlugin, inject, injectable } from '../../core/plugin';
import type { ChannelAdapter, OutboundEnvelope, PluginContext, SendResult } from '../../core/plugin';
import {
  runConformance,
  type FailureKind,
  type InjectedMessage,
  type PlatformDriver,
  type ReceivedMessage,
  type TestHooks,
} from '../../core/testing';

/**
 * The kit proves itself here: a channel whose faults can be switched on must fail exactly the checks
 * that cover them, with messages that say what is wrong, and pass them all when it behaves.
 */

type Fault = 'leakTimer' | 'slowStop' | 'newIdOnRedelivery' | 'noPlatformIds' | 'allRetryable' | 'alwaysMentioned';

/** An in-memory platform: the test injects messages, the plugin's sends land in `sent`. */
class MemoPlatform {
  bot?: MemoAdapter;
  readonly sent: ReceivedMessage[] = [];
  readonly failures: FailureKind[] = [];
  readonly deliveries = new Map<string, number>();
}

const platforms = new Map<string, MemoPlatform>();
const leaked: NodeJS.Timeout[] = [];

@injectable()
class MemoAdapter implements ChannelAdapter {
  private readonly platform: MemoPlatform;
  private counter = 0;

  constructor(
    @inject(Context) private readonly ctx: PluginContext,
    @inject(Options) private readonly options: { platform: string; faults: Fault[] },
  ) {
    this.platform = platforms.get(options.platform)!;
  }

  private has(f: Fault): boolean {
    return this.options.faults.includes(f);
  }

  async start(): Promise<void> {
    if (this.has('leakTimer')) leaked.push(setInterval(() => undefined, 1000));
    this.platform.bot = this;
  }

  async stop(): Promise<void> {
    if (this.has('slowStop')) await new Promise((r) => setTimeout(r, 2500));
    this.platform.bot = undefined;
  }

  async send(env: OutboundEnvelope): Promise<SendResult> {
    const failure = this.platform.failures.shift();
    if (failure === 'retryable' || (failure === 'permanent' && this.has('allRetryable'))) throw DeliveryError.retryable('memo is busy');
    if (failure === 'permanent') throw DeliveryError.permanent('memo refuses this');
    const id = `memo_${++this.counter}`;
    const conversationId = env.conversation?.id ?? env.replyTo!.split('/')[0]!;
    this.platform.sent.push({ conversationId, text: env.text ?? '', platformId: id });
    return { messageIds: this.has('noPlatformIds') ? [] : [id] };
  }

  deliver(m: InjectedMessage, delivery: number) {
    return this.ctx.publish({
      // Message ids name their conversation, so a reply finds it.
      messageId: `${m.conversation.id}/${m.id}${delivery > 1 && this.has('newIdOnRedelivery') ? `-${delivery}` : ''}`,
      conversation: m.conversation,
      sender: { id: m.sender.id },
      parts: [{ type: 'text', text: m.text }],
      mentioned: this.has('alwaysMentioned') || !!m.mentionsBot,
    });
  }
}

const memo = definePlugin({
  name: 'memo',
  apiVersion: '1.0',
  options: {
    type: 'object',
    properties: { platform: { type: 'string' }, faults: { type: 'array', items: { type: 'string' }, default: [] } },
    required: ['platform'],
  },
  adapter: MemoAdapter,
});

class MemoDriver implements PlatformDriver {
  readonly supports = { groups: true };
  constructor(readonly platform: MemoPlatform) {}
  async inject(m: InjectedMessage) {
    const delivery = (this.platform.deliveries.get(m.id) ?? 0) + 1;
    this.platform.deliveries.set(m.id, delivery);
    await this.platform.bot!.deliver(m, delivery);
    return { messageId: `${m.conversation.id}/${m.id}` };
  }
  async received() {
    return this.platform.sent;
  }
  failNext(kind: FailureKind) {
    this.platform.failures.push(kind);
  }
}

type Step =
  | { kind: 'test'; name: string; fn: () => Promise<void> }
  | { kind: 'skip'; name: string }
  | { kind: 'describe'; name: string; block: Block };
interface Block {
  before: Array<() => Promise<void>>;
  after: Array<() => Promise<void>>;
  steps: Step[];
}

/** Runs the kit's tests in registration order, as jest would, and returns each test's outcome. */
async function conformanceOf(faults: Fault[]): Promise<Record<string, string>> {
  const name = `p${platforms.size}`;
  platforms.set(name, new MemoPlatform());
  const root: Block = { before: [], after: [], steps: [] };
  let current = root;
  const hooks: TestHooks = {
    describe: (n, fn) => {
      const block: Block = { before: [], after: [], steps: [] };
      current.steps.push({ kind: 'describe', name: n, block });
      const parent = current;
      current = block;
      fn();
      current = parent;
    },
    test: (n, fn) => void current.steps.push({ kind: 'test', name: n, fn }),
    beforeAll: (fn) => void current.before.push(fn),
    afterAll: (fn) => void current.after.push(fn),
    skip: (n) => void current.steps.push({ kind: 'skip', name: n }),
  };
  runConformance({ plugin: memo, options: { platform: name, faults }, platform: new MemoDriver(platforms.get(name)!), hooks });
  const outcomes: Record<string, string> = {};
  const run = async (block: Block, failed?: string): Promise<void> => {
    for (const fn of block.before)
      if (!failed)
        failed = await fn().then(
          () => undefined,
          (err: Error) => `beforeAll: ${err.message}`,
        );
    for (const step of block.steps) {
      if (step.kind === 'describe') await run(step.block, failed);
      else if (step.kind === 'skip') outcomes[step.name.split(' (')[0]!] = 'skipped';
      else
        outcomes[step.name] =
          failed ??
          (await step.fn().then(
            () => 'pass',
            (err: Error) => err.message,
          ));
    }
    for (const fn of block.after) await fn().catch(() => undefined);
  };
  await run(root);
  return outcomes;
}

afterAll(() => leaked.forEach(clearInterval));

test('conformance kit - a channel that behaves passes every check', async () => {
  const outcomes = await conformanceOf([]);
  expect(Object.values(outcomes)).toEqual(Array(Object.keys(outcomes).length).fill('pass'));
  expect(Object.keys(outcomes)).toHaveLength(10);
}, 60_000);

test('conformance kit - each fault fails the check that covers it, saying what is wrong', async () => {
  const outcomes = await conformanceOf(['leakTimer', 'newIdOnRedelivery', 'noPlatformIds', 'allRetryable', 'alwaysMentioned']);
  expect(outcomes).toEqual({
    "manifest - is well-formed and made for this gateway's plugin API": 'pass',
    'lifecycle - reports starting then connected, stops within its deadline and leaves no handles open':
      'resources still open after the gateway stopped (sockets, servers or timers the plugin did not close): expected [], got ["1× Timeout"]',
    'inbound - a direct message becomes a valid envelope with its channel, account, conversation and sender': 'pass',
    'inbound - a group message becomes an envelope of the group conversation': 'pass',
    'inbound - a platform message delivered twice is published once': expect.stringMatching(
      /^envelopes on t\w+\.in\.> for one message delivered twice: expected 1, got 2$/,
    ),
    'outbound - a message reaches its conversation and the ok receipt lists the platform ids': expect.stringMatching(
      /^the ok receipt lists no platform message ids: \{.*"messageIds":\[\]/,
    ),
    'outbound - a retryable failure is retried into one ok receipt': 'pass',
    'outbound - a permanent failure ends in one failed receipt with retryable false':
      'the permanent failure was retried (2 attempts): send() must throw DeliveryError.permanent(...) when no retry can help',
    'access - allowFrom drops a sender not listed and passes one listed': 'pass',
    'access - groupPolicy mention drops an unmentioned group message and passes a mentioned one':
      'envelopes of group messages not mentioning the bot: expected 0, got 1',
  });
}, 60_000);

test('conformance kit - an adapter that misses its stop deadline fails the lifecycle check', async () => {
  const outcomes = await conformanceOf(['slowStop']);
  expect(outcomes['lifecycle - reports starting then connected, stops within its deadline and leaves no handles open']).toMatch(
    /^the adapter's stop\(\) failed or missed its deadline \(1500 ms\): stop did not finish within 1500 ms/,
  );
}, 60_000);

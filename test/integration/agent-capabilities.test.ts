import { resolve } from 'node:path';
import { AgentClient } from '../../core/agent';
import type { InboundAction, InboundAny, InboundEnvelope, Receipt } from '../../core/contract/schemas';
import { loopbackConfig } from '../support';
import { useGatewayTest } from '../support/fixture';
import { uniquePrefix } from '../support/nats-server';
import { rich, world } from '../support/rich-plugin';

const RICH = resolve(__dirname, '../support/rich-plugin.ts');

const t = useGatewayTest();
let agent: AgentClient | undefined;
afterEach(() => world.reset());

async function boot(extra = '') {
  const gw = await t.boot(loopbackConfig(t.nats.url, uniquePrefix(), `  - use: ${RICH}\n${extra}`));
  const a = await AgentClient.connect({ servers: t.nats.url, prefix: gw.prefix, receiptTimeoutMs: 10_000 });
  t.defer(() => a.close());
  agent = a;
  return gw.prefix;
}

/** A promise a handler settles once the agent did its part. */
function settled<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const say = (id: string, text: string) =>
  rich.get().receive({
    messageId: id,
    conversation: { id: 'c1', type: 'direct' },
    sender: { id: 'u1', name: 'Tom' },
    parts: [{ type: 'text', text }],
  });

test('agent - stream(): update() as the model writes, done() with the final text; one platform message, exact final content', async () => {
  await boot('    editDelayMs: 20\n');
  const finished = settled<Receipt>();
  // Subscribed before the message that it handles is sent.
  await agent!.onMessage(async (msg) => {
    const s = agent!.stream(msg);
    let text = '';
    for (const word of msg.message.text.split(' ')) {
      text += `${word} `;
      s.update(text);
    }
    finished.resolve(await s.done(`${text}!`));
  });
  await say('m1', Array.from({ length: 60 }, (_, i) => `w${i}`).join(' '));
  const receipt = await finished.promise;
  expect(receipt.ok).toBe(true);
  const messages = [...world.messages.values()];
  expect(messages).toHaveLength(1);
  expect(messages[0]!.text).toBe(`${Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ')} !`);
  expect(receipt.messageIds).toEqual([messages[0]!.id]);
  expect(messages[0]!.edits).toBeLessThan(30);
});

test('agent - onAction gets the click, edit() answers on the card it came from; onMessage never sees the click', async () => {
  const prefix = await boot('    allowFrom: ["u1"]\n');
  const seen: InboundAny[] = [];
  await agent!.onMessage(async (msg) => {
    seen.push(msg);
    await agent!.reply(msg, {
      text: 'Deploy?',
      actions: [
        { id: 'approve', label: 'Approve', style: 'primary', value: 'v42' },
        { id: 'reject', label: 'Reject', style: 'danger' },
      ],
    });
  });
  const edited = settled<Receipt>();
  // Subscribed before the message that it handles is sent.
  await agent!.onAction(async (action: InboundAction) => {
    edited.resolve(await agent!.edit(action, `Approved by ${action.sender.name} (${action.action.id}, ${action.action.value})`));
  });
  const receipts = await t.collect<Receipt>(`${prefix}.receipt.>`);
  await say('m1', 'deploy please');
  await receipts.waitFor(1);
  const card = [...world.messages.values()][0]!;
  const token = card.buttons.find((b) => b.id === 'approve')!.token;
  await rich.get().receive({
    kind: 'action',
    eventKey: 'click1',
    token,
    messageId: card.id,
    conversation: { id: 'c1', type: 'direct' },
    sender: { id: 'u1', name: 'Tom' },
  });
  const receipt = await edited.promise;
  expect(receipt).toMatchObject({ ok: true, messageIds: [card.id] });
  expect(world.messages.get(card.id)).toMatchObject({ text: 'Approved by Tom (approve, v42)', buttons: [] });
  expect(seen.map((e) => e.kind)).toEqual(['message']);
});

test('agent - react(), typing() and delete() reach the platform', async () => {
  await boot();
  const done = settled<void>();
  // Subscribed before the message that it handles is sent.
  await agent!.onMessage(async (msg: InboundEnvelope) => {
    await agent!.typing(msg);
    await agent!.react(msg, 'eyes');
    const r = await agent!.reply(msg, 'oops');
    await agent!.delete(r);
    done.resolve();
  });
  await say('m1', 'hi');
  await done.promise;
  expect(world.typing).toEqual(['c1']);
  expect(world.reactions).toEqual([{ messageId: 'm1', emoji: 'eyes', remove: false }]);
  expect([...world.messages.values()][0]).toMatchObject({ text: 'oops', deleted: true });
});

test('agent - onEvent gets the opted-in kinds', async () => {
  await boot('    events: [message, reaction, member]\n');
  let got: (e: InboundAny) => void = () => undefined;
  const events = new Promise<InboundAny>((resolveEvent) => (got = resolveEvent));
  await agent!.onEvent((e) => got(e));
  await rich
    .get()
    .receive({ kind: 'member', eventKey: 'mb1', change: 'bot_added', conversation: { id: 'g1', type: 'group' }, sender: { id: 'u1' } });
  expect(await events).toMatchObject({ kind: 'member', member: { change: 'bot_added' }, conversation: { id: 'g1' } });
});

import { manifestProblems } from '../plugin/define';
import { apiVersionMismatch } from '../plugin/version';
import { activeResources, ensure, eventually, leftOpen, same } from './checks';
import { textOf, type Kit } from './kit';
import { STOP_TIMEOUT_MS, type Session } from './session';
import type { FailureKind, TestHooks } from './types';

/** What every section gets: the kit, the framework's hooks, and `test`/`skip` with the kit's timeout. */
export interface Section {
  kit: Kit;
  hooks: TestHooks;
  testMs: number;
  test: (name: string, fn: () => Promise<void>) => void;
  skip: (name: string, why: string) => void;
}

const OPEN = { allowFrom: ['*'], groupPolicy: 'open' as const };

/** The manifest's shape and API version, then a whole start and stop with no handle left open. */
export function manifestAndLifecycle({ kit, test }: Section): void {
  test("manifest - is well-formed and made for this gateway's plugin API", async () => {
    same(manifestProblems(kit.opts.plugin), [], 'problems of the manifest');
    const mismatch = apiVersionMismatch(kit.opts.plugin.apiVersion);
    ensure(!mismatch, `apiVersion ${String(kit.opts.plugin.apiVersion)}: ${mismatch?.message}`);
  });

  test('lifecycle - reports starting then connected, stops within its deadline and leaves no handles open', async () => {
    const before = activeResources();
    const s = await kit.open(OPEN);
    const mine = () => s.statuses.where((e) => e.channel === kit.channel && e.account === kit.account).map((i) => i.value.state);
    let took = 0;
    try {
      same(mine()[0], 'starting', 'first status on the status subject');
      s.require(!mine().includes('failed'), `status went to failed while starting: ${JSON.stringify(mine())}`);
      same((await s.statusInKv())?.state, 'connected', 'status in the KV bucket once started');
    } finally {
      took = await kit.close(s);
    }
    s.require(took < STOP_TIMEOUT_MS, `the gateway took ${took} ms to stop; lifecycle.stopTimeout is ${STOP_TIMEOUT_MS} ms`);
    const failed = s.logs.lines.find((l) => l.msg === 'adapter stop failed');
    s.require(
      !failed,
      `the adapter's stop() failed or missed its deadline (${Math.round(STOP_TIMEOUT_MS * 0.3)} ms): ${String(failed?.err)}`,
    );
    same(mine().at(-1), 'stopped', 'last status on the status subject');
    same((await s.statusInKv())?.state, 'stopped', 'status in the KV bucket once stopped');
    const open = await leftOpen(before, 2000);
    same(open, [], 'resources still open after the gateway stopped (sockets, servers or timers the plugin did not close)');
  });
}

/** Inbound and outbound with everyone allowed: envelopes, dedup, delivery, retries and failures. */
export function relay({ kit, hooks, testMs, test, skip }: Section): void {
  hooks.describe('with allowFrom "*" and groupPolicy open', () => {
    let s: Session;
    hooks.beforeAll(async () => void (s = await kit.open(OPEN)), testMs);
    hooks.afterAll(async () => void (await kit.close(s)), testMs);

    test('inbound - a direct message becomes a valid envelope with its channel, account, conversation and sender', async () => {
      await kit.roundTrip(s, kit.message('direct', 1, 'hello from the conformance kit'));
    });

    const group = 'inbound - a group message becomes an envelope of the group conversation';
    if (kit.groups)
      test(group, async () => void (await kit.roundTrip(s, kit.message('group', 1, 'hello group', { sender: 2, mentionsBot: true }))));
    else skip(group, 'the driver has no groups');

    test('inbound - a platform message delivered twice is published once', async () => {
      const m = kit.message('direct', 2, 'delivered twice');
      const first = await kit.inject(m);
      await s.inbox.first((e) => !!textOf(e)?.includes(m.text), `the envelope of "${m.text}"`, kit.waitMs);
      const again = await kit.inject(m);
      same(again, first, 'platform message id of the redelivery');
      await kit.inboundBarrier(s, 'direct', 2);
      same(s.inbox.where((e) => !!textOf(e)?.includes(m.text)).length, 1, `envelopes on ${s.prefix}.in.> for one message delivered twice`);
    });

    test('outbound - a message reaches its conversation and the ok receipt lists the platform ids', async () => {
      const env = await kit.roundTrip(s, kit.message('direct', 3, 'please answer'));
      const conversation = kit.conversation('direct', 3);
      for (const target of [{ conversation: { id: conversation } }, { replyTo: env.message.id }]) {
        const id = kit.outId();
        const text = answer(id);
        s.publish({ v: 1, id, ...target, text });
        const receipt = await kit.receipt(s, id);
        s.require(receipt.ok, `receipt for ${JSON.stringify(target)} is not ok: ${JSON.stringify(receipt.error)}`);
        ensure(
          receipt.messageIds && receipt.messageIds.length > 0,
          `the ok receipt lists no platform message ids: ${JSON.stringify(receipt)}`,
        );
        const got = await delivered(s, text);
        same(
          got.map((r) => r.conversationId),
          [conversation],
          `conversations "${text}" appeared in (sent with ${Object.keys(target)[0]})`,
        );
        if (got[0]!.platformId)
          ensure(
            receipt.messageIds.includes(got[0]!.platformId),
            `receipt messageIds ${JSON.stringify(receipt.messageIds)} lack the platform's id ${got[0]!.platformId}`,
          );
      }
    });

    const retryable = 'outbound - a retryable failure is retried into one ok receipt';
    if (kit.fails('retryable')) {
      test(retryable, async () => {
        const { id, conversation, receipt } = await failedAnswer(s, 'retryable', 4, 'answer me despite a hiccup');
        s.require(receipt.ok, `the retried delivery did not succeed: ${JSON.stringify(receipt.error)}`);
        const deferred = s.logs.lines.some((l) => l.id === id && String(l.msg).includes('kept for later'));
        ensure(
          receipt.attempts >= 2 || deferred,
          `the delivery was not retried (attempts ${receipt.attempts}): did failNext("retryable") make the next send fail?`,
        );
        await kit.outboundBarrier(s, conversation);
        same(s.receipts.where((r) => r.id === id).length, 1, 'receipts for one envelope');
        same((await delivered(s, answer(id))).length, 1, 'copies delivered to the platform');
      });
    } else skip(retryable, 'the driver cannot make a send fail retryably');

    const permanent = 'outbound - a permanent failure ends in one failed receipt with retryable false';
    if (kit.fails('permanent')) {
      test(permanent, async () => {
        const { id, conversation, receipt } = await failedAnswer(s, 'permanent', 5, 'answer me though it fails');
        ensure(
          receipt.attempts === 1 || !receipt.ok,
          `the permanent failure was retried (${receipt.attempts} attempts): send() must throw DeliveryError.permanent(...) when no retry can help`,
        );
        ensure(
          !receipt.ok,
          `expected a failed receipt, got ${JSON.stringify(receipt)}: did failNext("permanent") make the next send fail?`,
        );
        same(receipt.error?.retryable, false, 'error.retryable of the failed receipt');
        same(receipt.attempts, 1, 'attempts of a permanent failure');
        await kit.outboundBarrier(s, conversation);
        same(s.receipts.where((r) => r.id === id).length, 1, 'receipts for one envelope');
        same((await kit.driver.received()).filter((r) => r.text.includes(answer(id))).length, 0, 'copies delivered to the platform');
      });
    } else skip(permanent, 'the driver cannot make a send fail permanently');
  });

  /**
   * User `user` writes `text` in a direct chat, then an answer goes out that the driver makes fail
   * (`failNext(kind)`): the answer's envelope id, its conversation and its receipt.
   */
  async function failedAnswer(s: Session, kind: FailureKind, user: number, text: string) {
    await kit.roundTrip(s, kit.message('direct', user, text));
    const id = kit.outId();
    const conversation = kit.conversation('direct', user);
    kit.driver.failNext!(kind, conversation);
    s.publish({ v: 1, id, conversation: { id: conversation }, text: answer(id) });
    return { id, conversation, receipt: await kit.receipt(s, id) };
  }

  /** What the platform received with `text` in it, once it arrived. */
  function delivered(s: Session, text: string) {
    return eventually(
      async () => {
        const got = (await kit.driver.received()).filter((r) => r.text.includes(text));
        return got.length ? got : undefined;
      },
      `"${text}" at the platform (driver.received())`,
      kit.waitMs,
    ).catch((err: Error) => {
      throw s.explain(err.message);
    });
  }
}

/** Access rules core applies to every plugin: allowFrom and groupPolicy mention. */
export function access({ kit, hooks, testMs, test, skip }: Section): void {
  hooks.describe('with allowFrom one user and groupPolicy mention', () => {
    let s: Session;
    hooks.beforeAll(async () => void (s = await kit.open({ allowFrom: [kit.sender(6)], groupPolicy: 'mention' })), testMs);
    hooks.afterAll(async () => void (await kit.close(s)), testMs);

    test('access - allowFrom drops a sender not listed and passes one listed', async () => {
      const denied = kit.message('direct', 7, 'not on the list');
      await kit.inject(denied);
      await kit.roundTrip(s, kit.message('direct', 6, 'on the list'));
      await kit.inboundBarrier(s, 'direct', 6);
      same(s.inbox.where((e) => !!textOf(e)?.includes(denied.text)).length, 0, 'envelopes from a sender not in allowFrom');
    });

    const mention = 'access - groupPolicy mention drops an unmentioned group message and passes a mentioned one';
    if (kit.groups) {
      test(mention, async () => {
        const quiet = kit.message('group', 2, 'talking among ourselves', { sender: 6, mentionsBot: false });
        await kit.inject(quiet);
        const env = await kit.roundTrip(s, kit.message('group', 2, 'a question for the bot', { sender: 6, mentionsBot: true }));
        same(env.message.mentioned, true, 'message.mentioned of a message mentioning the bot');
        await kit.inboundBarrier(s, 'group', 2, 6);
        same(s.inbox.where((e) => !!textOf(e)?.includes(quiet.text)).length, 0, 'envelopes of group messages not mentioning the bot');
      });
    } else skip(mention, 'the driver has no groups');
  });
}

/** The text of outbound envelope `id`: bracketed, so no other envelope's text contains it. */
function answer(id: string): string {
  return `answer [${id}]`;
}

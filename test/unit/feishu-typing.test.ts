import pino from 'pino';
import type { PluginStore, ReactionRequest } from '../../core/plugin';
import type { Reactions } from '../../plugins/feishu/reactions';
import { Typing } from '../../plugins/feishu/typing';

const CHAT = 'oc_chat';

/** `ctx.store` shared by replicas (one map), counting the reads each replica makes. */
function sharedStore(data: Map<string, string>) {
  const reads: string[] = [];
  const store: PluginStore = {
    get: async (key) => {
      reads.push(key);
      return data.get(key);
    },
    put: async (key, value) => void data.set(key, value),
    delete: async (key) => void data.delete(key),
  };
  return { store, reads };
}

/** One replica's indicator, with the reaction calls it made. */
function replica(data: Map<string, string>) {
  const calls: string[] = [];
  const reactions = {
    react: async (r: ReactionRequest) => void calls.push(`${r.remove ? '-' : '+'}${r.messageId}`),
  } as unknown as Reactions;
  const { store, reads } = sharedStore(data);
  const typing = new Typing(reactions, store, pino({ level: 'silent' }));
  typing.noteReceived(CHAT, 'om_1');
  return { typing, calls, reads };
}

test('feishu typing - within one term an answer reads the store once per conversation, and a new term reads again', async () => {
  const data = new Map<string, string>();
  const a = replica(data);
  await a.typing.clear([CHAT], 1);
  await a.typing.clear([CHAT], 1);
  expect(a.reads).toHaveLength(1);
  // Set and cleared in the term: known without a read.
  await a.typing.show({ conversation: CHAT }, 1);
  await a.typing.clear([CHAT], 1);
  expect(a.reads).toHaveLength(1);
  expect(a.calls).toEqual(['+om_1', '-om_1']);
  // A new term may follow another replica's: read again.
  await a.typing.clear([CHAT], 2);
  expect(a.reads).toHaveLength(2);
  a.typing.close();
});

test('feishu typing - the indicator another replica set in its term is found and taken back in the next term', async () => {
  const data = new Map<string, string>();
  const a = replica(data);
  const b = replica(data);
  await a.typing.clear([CHAT], 1);
  // The lease goes to b, which shows typing; then it comes back to a.
  await b.typing.show({ conversation: CHAT }, 2);
  await a.typing.clear([CHAT], 3);
  expect(a.calls).toEqual(['-om_1']);
  expect([...data.keys()]).toEqual(['typing.om_1']);
  a.typing.close();
  b.typing.close();
});

test('feishu typing - a send outside the queue (no term) trusts nothing kept', async () => {
  const data = new Map<string, string>();
  const a = replica(data);
  await a.typing.clear([CHAT], undefined);
  await a.typing.clear([CHAT], undefined);
  expect(a.reads).toHaveLength(2);
  // Nor does the term after it.
  await a.typing.clear([CHAT], 4);
  await a.typing.clear([CHAT], 4);
  expect(a.reads).toHaveLength(3);
  a.typing.close();
});

import pino from 'pino';
import { RepeatingIndicator } from '../../core/plugin';
import { LogCapture } from '../support';

const REPEAT_MS = 4000;
const LIMIT_MS = 60_000;

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

function indicator() {
  const logs = new LogCapture();
  return { typing: new RepeatingIndicator(REPEAT_MS, LIMIT_MS, pino({ level: 'debug' }, logs)), logs };
}

/** A platform call that records when it was made and whether it carried the request's signal. */
function recorder(fail: (n: number) => boolean = () => false) {
  const calls: Array<{ at: number; signal: boolean }> = [];
  const start = Date.now();
  const call = (signal?: AbortSignal) => {
    calls.push({ at: Date.now() - start, signal: signal !== undefined });
    return fail(calls.length) ? Promise.reject(new Error('chat not found')) : Promise.resolve();
  };
  return { calls, call };
}

test('repeating indicator - calls at once with the signal, then every repeatMs without it, and stops at the limit', async () => {
  const { typing } = indicator();
  const { calls, call } = recorder();
  await typing.keepUp('c1', call, new AbortController().signal);
  await jest.advanceTimersByTimeAsync(LIMIT_MS + 3 * REPEAT_MS);
  expect(calls[0]).toEqual({ at: 0, signal: true });
  expect(calls.slice(1).map((c) => c.at)).toEqual(Array.from({ length: LIMIT_MS / REPEAT_MS - 1 }, (_, i) => (i + 1) * REPEAT_MS));
  expect(calls.slice(1).every((c) => !c.signal)).toBe(true);
  expect(jest.getTimerCount()).toBe(0);
});

test('repeating indicator - clear ends the repeats of one conversation only; close ends them all', async () => {
  const { typing } = indicator();
  const one = recorder();
  const two = recorder();
  await typing.keepUp('c1', one.call);
  await typing.keepUp('c2', two.call);
  typing.clear('c1');
  await jest.advanceTimersByTimeAsync(2 * REPEAT_MS);
  expect([one.calls.length, two.calls.length]).toEqual([1, 3]);
  typing.close();
  await jest.advanceTimersByTimeAsync(2 * REPEAT_MS);
  expect(two.calls).toHaveLength(3);
  expect(jest.getTimerCount()).toBe(0);
});

test('repeating indicator - the first call failing is the caller’s and starts no repeats; a failed repeat ends them, logged', async () => {
  const { typing, logs } = indicator();
  await expect(typing.keepUp('c1', recorder(() => true).call)).rejects.toThrow('chat not found');
  expect(jest.getTimerCount()).toBe(0);
  const { calls, call } = recorder((n) => n === 3);
  await typing.keepUp('c1', call);
  await jest.advanceTimersByTimeAsync(5 * REPEAT_MS);
  expect(calls).toHaveLength(3);
  expect(logs.find((l) => l.msg === 'typing indicator not repeated: chat not found')).toMatchObject({ conversation: 'c1', level: 20 });
});

test('repeating indicator - keepUp again replaces the repeats; a late failure of the old ones leaves the new ones running', async () => {
  const { typing } = indicator();
  // The old conversation's first repeat hangs until the test fails it, after keepUp was called again.
  let failOld!: (err: Error) => void;
  let oldCalls = 0;
  const old = () => (++oldCalls === 2 ? new Promise<void>((_, reject) => (failOld = reject)) : Promise.resolve());
  await typing.keepUp('c1', old);
  await jest.advanceTimersByTimeAsync(REPEAT_MS);
  expect(oldCalls).toBe(2);
  const fresh = recorder();
  await typing.keepUp('c1', fresh.call);
  failOld(new Error('timed out'));
  await jest.advanceTimersByTimeAsync(2 * REPEAT_MS);
  expect(oldCalls).toBe(2);
  expect(fresh.calls).toHaveLength(3);
  typing.close();
});

import { isDeepStrictEqual } from 'node:util';

/** Polls `probe` until it returns a value (not undefined/false), or fails saying what was awaited. */
export async function eventually<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(25);
  }
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Throws `what: expected …, got …` unless `actual` deep-equals `expected`. */
export function same(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** Throws `message` unless `ok`. */
export function ensure(ok: unknown, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

/** How many of each kind of resource keeps the event loop alive right now (sockets, servers, timers...). */
export function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/**
 * What is open now that was not open at `before` ("2× TCPSocketWrap"), waiting up to `graceMs` for
 * closes already under way to finish. Empty when nothing was left behind.
 */
export async function leftOpen(before: Map<string, number>, graceMs: number): Promise<string[]> {
  const extra = () =>
    [...activeResources()].filter(([kind, n]) => n > (before.get(kind) ?? 0)).map(([kind, n]) => `${n - (before.get(kind) ?? 0)}× ${kind}`);
  const deadline = Date.now() + graceMs;
  let now = extra();
  while (now.length && Date.now() < deadline) {
    await pause(50);
    now = extra();
  }
  return now;
}

/**
 * Runs `fn` on every item, at most `limit` at a time, and resolves when all settled (rejecting with the
 * first failure once all settled). Starting 10,000 bots at once would ask the platform, NATS and the
 * event loop for everything in the same second, and make each start wait on all the others.
 */
export async function limited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item).catch((err: unknown) => (failure ??= { err }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.err;
}

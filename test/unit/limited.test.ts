import { limited } from '../../core/util/limited';

test('limited - runs every item, never more than the limit at once, and reports the first failure after all settled', async () => {
  let running = 0;
  let most = 0;
  const done: number[] = [];
  const items = Array.from({ length: 25 }, (_, i) => i);
  const run = limited(items, 4, async (i) => {
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setImmediate(r));
    running--;
    done.push(i);
    if (i === 3 || i === 7) throw new Error(`item ${i} failed`);
  });
  await expect(run).rejects.toThrow('item 3 failed');
  expect(done.sort((a, b) => a - b)).toEqual(items);
  expect(most).toBe(4);
  await expect(limited([], 4, () => Promise.resolve())).resolves.toBeUndefined();
});

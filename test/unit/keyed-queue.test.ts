import { KeyedQueue } from '../../core/delivery/keyed-queue';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('delivery - KeyedQueue runs the tasks of one key one at a time, in push order', async () => {
  const q = new KeyedQueue();
  const log: string[] = [];
  let running = 0;
  let most = 0;
  for (let i = 0; i < 5; i++) {
    q.push('conv-a', async () => {
      most = Math.max(most, ++running);
      await tick(5 - i);
      log.push(`a${i}`);
      running--;
    });
  }
  await q.idle();
  expect(log).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
  expect(most).toBe(1);
});

test('delivery - KeyedQueue runs different keys in parallel', async () => {
  const q = new KeyedQueue();
  let running = 0;
  let most = 0;
  for (const key of ['a', 'b', 'c', 'd']) {
    q.push(key, async () => {
      most = Math.max(most, ++running);
      await tick(50);
      running--;
    });
  }
  expect(q.size).toBe(4);
  await q.idle();
  expect(most).toBe(4);
  expect(q.size).toBe(0);
});

test('delivery - KeyedQueue keeps going after a task of the key fails', async () => {
  const q = new KeyedQueue();
  const done: number[] = [];
  q.push('k', async () => {
    throw new Error('platform down');
  });
  q.push('k', async () => {
    done.push(2);
  });
  await q.idle();
  expect(done).toEqual([2]);
});

test('delivery - KeyedQueue idle() resolves at once when nothing is pending', async () => {
  const q = new KeyedQueue();
  await expect(Promise.race([q.idle().then(() => 'idle'), tick(20).then(() => 'waiting')])).resolves.toBe('idle');
});

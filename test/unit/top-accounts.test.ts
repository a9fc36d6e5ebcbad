import { Gauge, Registry } from 'prom-client';
import { TopAccounts } from '../../core/http/top-accounts';

async function series(gauge: Gauge<string>) {
  return (await gauge.get()).values.map((v) => ({ ...v.labels, value: v.value }));
}

function make(limit: number) {
  const gauge = new Gauge({ name: 'top', help: 'top', labelNames: ['channel', 'account', 'measure'], registers: [new Registry()] });
  return { gauge, top: new TopAccounts(gauge, limit) };
}

test('top accounts - names the slowest accounts per channel by mean latency, at most the limit, and starts again after a sample', async () => {
  const { gauge, top } = make(2);
  top.observeLatency('feishu', 'a', 1);
  top.observeLatency('feishu', 'a', 3); // mean 2
  top.observeLatency('feishu', 'b', 5);
  top.observeLatency('feishu', 'c', 0.5);
  top.observeLatency('slack', 'x', 0.1);
  top.publish([]);
  expect(await series(gauge)).toEqual(
    expect.arrayContaining([
      { channel: 'feishu', account: 'b', measure: 'outbound_latency_seconds', value: 5 },
      { channel: 'feishu', account: 'a', measure: 'outbound_latency_seconds', value: 2 },
      { channel: 'slack', account: 'x', measure: 'outbound_latency_seconds', value: 0.1 },
    ]),
  );
  expect(await series(gauge)).toHaveLength(3);
  top.publish([]);
  expect(await series(gauge)).toEqual([]);
});

test('top accounts - queue leaders by age and depth; empty queues and a limit of 0 name nobody', async () => {
  const { gauge, top } = make(10);
  top.publish([
    { channel: 'feishu', account: 'behind', depth: 40, oldestSeconds: 600 },
    { channel: 'feishu', account: 'empty', depth: 0, oldestSeconds: 0 },
  ]);
  expect(await series(gauge)).toEqual([
    { channel: 'feishu', account: 'behind', measure: 'outbound_queue_oldest_seconds', value: 600 },
    { channel: 'feishu', account: 'behind', measure: 'outbound_queue_depth', value: 40 },
  ]);
  const off = make(0);
  off.top.observeLatency('feishu', 'a', 1);
  off.top.publish([{ channel: 'feishu', account: 'behind', depth: 40, oldestSeconds: 600 }]);
  expect(await series(off.gauge)).toEqual([]);
});

import { Kvm, type KV } from '@nats-io/kv';
import pino from 'pino';
import { SendProgress } from '../../core/plugin';
import { InstanceStore, MAX_STORE_VALUE_BYTES } from '../../core/runtime/store';
import { useGatewayTest } from '../support/fixture';
import { uniquePrefix } from '../support/nats-server';

const t = useGatewayTest();
let kv: KV;

beforeAll(async () => {
  kv = await new Kvm(t.nc).create(`${uniquePrefix()}_plugins`, { history: 1 });
});

test('ctx.store - put, get and delete; any string is a key; instances do not see each other', async () => {
  const a = new InstanceStore(kv, 'telegram', 'default');
  const b = new InstanceStore(kv, 'telegram', 'other');
  const odd = 'env id with spaces, dots. and #hash/slash';
  await a.put(odd, '{"done":1}');
  await a.put('plain_key-1', 'x');
  expect(await a.get(odd)).toBe('{"done":1}');
  expect(await a.get('plain_key-1')).toBe('x');
  expect(await b.get(odd)).toBeUndefined();
  expect(await new InstanceStore(kv, 'telegram', 'default').get(odd)).toBe('{"done":1}');
  await a.delete(odd);
  expect(await a.get(odd)).toBeUndefined();
  const keys: string[] = [];
  for await (const k of await kv.keys()) keys.push(k);
  // A plain key is kept readable in the bucket; another string is stored under its hash.
  expect(keys).toContain('telegram.default.plain_key-1');
  expect(keys.every((k) => /^[a-z]+\.[a-z]+\.[A-Za-z0-9_-]{1,64}$/.test(k))).toBe(true);
});

test('ctx.store - values over the limit, non-strings and empty keys are refused with a reason', async () => {
  const s = new InstanceStore(kv, 'slack', 'default');
  await expect(s.put('big', 'x'.repeat(MAX_STORE_VALUE_BYTES + 1))).rejects.toThrow(/over the 65536-byte limit/);
  await expect(s.put('obj', { a: 1 } as unknown as string)).rejects.toThrow(/must be a string/);
  await expect(s.get('')).rejects.toThrow(/non-empty string/);
});

test('SendProgress - a second process resumes from what the first saved; clear removes it', async () => {
  const log = pino({ level: 'silent' });
  const store = new InstanceStore(kv, 'telegram', 'default');
  const first = new SendProgress<{ done: number; ids: string[] }>(store, log);
  expect(await first.load('env-1')).toBeUndefined();
  await first.save('env-1', { done: 1, ids: ['1:10'] });
  const second = new SendProgress<{ done: number; ids: string[] }>(store, log);
  expect(await second.load('env-1')).toEqual({ done: 1, ids: ['1:10'] });
  await second.clear('env-1');
  expect(await new SendProgress(store, log).load('env-1')).toBeUndefined();
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { BoundedMap, InstanceHttp, Pacer, backoff, classifyFailure, deadline, sdkLogger, settledWithin, sleep } from '../../core/plugin';
import { LogCapture } from '../support';

const policy = { initialMs: 100, maxMs: 1000 };

test('toolkit - backoff doubles per attempt with jitter, up to maxMs', () => {
  for (let attempt = 1; attempt <= 8; attempt++) {
    const ceiling = Math.min(1000, 100 * 2 ** (attempt - 1));
    for (let i = 0; i < 200; i++) {
      const d = backoff(attempt, policy);
      expect(d).toBeGreaterThanOrEqual(ceiling / 2);
      expect(d).toBeLessThanOrEqual(ceiling);
    }
    expect(backoff(attempt, { ...policy, jitter: 'none' })).toBe(ceiling);
  }
});

test('toolkit - backoff waits at least the platform reset hint, even past maxMs', () => {
  for (let i = 0; i < 100; i++) {
    expect(backoff(1, policy, 700)).toBeGreaterThanOrEqual(700);
    expect(backoff(8, policy, 5000)).toBe(5000);
  }
  expect(backoff(8, policy, 10)).toBeGreaterThanOrEqual(500);
});

test('toolkit - sleep ends early with the reason when its signal aborts', async () => {
  const ac = new AbortController();
  // An hour: only the abort can end it before the test times out.
  const p = sleep(3_600_000, ac.signal);
  ac.abort(new Error('gateway stopping'));
  await expect(p).rejects.toThrow('gateway stopping');
  await expect(sleep(10, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
});

test('toolkit - deadline rejects with a TimeoutError naming what timed out, or the error asked for', async () => {
  await expect(deadline(new Promise(() => undefined), 20, 'fetch bot info')).rejects.toMatchObject({
    name: 'TimeoutError',
    ms: 20,
    message: 'fetch bot info timed out after 20 ms',
  });
  await expect(deadline(new Promise(() => undefined), 5, 'x', () => new RangeError('late'))).rejects.toThrow(RangeError);
  await expect(deadline(Promise.resolve('ok'), 1000, 'x')).resolves.toBe('ok');
  await expect(deadline(Promise.reject(new Error('own')), 1000, 'x')).rejects.toThrow('own');
  expect(await settledWithin(Promise.reject(new Error('settled')), 1000)).toBe(true);
  expect(await settledWithin(new Promise(() => undefined), 5)).toBe(false);
});

test('toolkit - BoundedMap forgets the oldest entry past its size; setting a key again makes it the newest', () => {
  const m = new BoundedMap<string, number>(3);
  m.set('a', 1).set('b', 2).set('c', 3);
  m.set('a', 10);
  m.set('d', 4);
  expect([...m.keys()]).toEqual(['c', 'a', 'd']);
  expect(m.get('a')).toBe(10);
  expect(() => new BoundedMap(0)).toThrow('max must be a whole number of at least 1');
});

test('toolkit - Pacer lets `limit` calls per window through at once, then says how long the next waits; keys are separate', async () => {
  const pacer = new Pacer(2, 60_000);
  await pacer.take('chat-a');
  await pacer.take('chat-a');
  expect(pacer.wait('chat-a')).toBeGreaterThan(59_000);
  expect(pacer.wait('chat-b')).toBe(0);
  const ac = new AbortController();
  const third = pacer.take('chat-a', ac.signal);
  ac.abort(new Error('stopping'));
  await expect(third).rejects.toThrow('stopping');
  expect(() => new Pacer(0, 1000)).toThrow(RangeError);
});

test('toolkit - Pacer forgets keys with no call in the window', async () => {
  const pacer = new Pacer(1, 1);
  await pacer.take('old');
  await sleep(5);
  pacer.prune();
  expect(pacer.wait('old')).toBe(0);
});

const table = {
  rateLimited: new Set<number | string>([230020]),
  transient: new Set<number | string>(['internal_error']),
  tooLarge: new Set<number | string>([230025]),
};

test.each([
  [
    'HTTP 429 with a hint',
    { status: 429, retryAfterMs: 3000 },
    { code: 'E_RATE_LIMITED', retryable: true, retryAfterMs: 3000, platformCode: 429 },
  ],
  ['a rate-limit code in a 200 body', { status: 200, code: 230020 }, { code: 'E_RATE_LIMITED', retryable: true, platformCode: 230020 }],
  ['a too-large code', { status: 400, code: 230025 }, { code: 'E_TOO_LARGE', retryable: false, platformCode: 230025 }],
  ['HTTP 413', { status: 413 }, { code: 'E_TOO_LARGE', retryable: false, platformCode: 413 }],
  ['a transient code', { status: 200, code: 'internal_error' }, { code: 'E_PLATFORM', retryable: true, platformCode: 'internal_error' }],
  ['HTTP 408', { status: 408 }, { code: 'E_PLATFORM', retryable: true, platformCode: 408 }],
  ['HTTP 503', { status: 503 }, { code: 'E_PLATFORM', retryable: true, platformCode: 503 }],
  ['no answer', { network: true }, { code: 'E_PLATFORM', retryable: true }],
  ['HTTP 403', { status: 403 }, { code: 'E_PLATFORM', retryable: false, platformCode: 403 }],
  ['a platform code in a 200 body', { status: 200, code: 230002 }, { code: 'E_PLATFORM', retryable: false, platformCode: 230002 }],
  [
    'a 4xx with the platform code',
    { status: 400, code: 'channel_not_found' },
    { code: 'E_PLATFORM', retryable: false, platformCode: 'channel_not_found' },
  ],
])('toolkit - classifyFailure: %s', (_name, failure, expected) => {
  const err = classifyFailure(failure, 'send message: refused', table);
  expect(err).toMatchObject({ name: 'DeliveryError', message: 'send message: refused', ...expected });
  if (!('platformCode' in expected)) expect(err.platformCode).toBeUndefined();
});

test('toolkit - sdkLogger writes an SDK line one level lower, tagged with its component, errors by their message', () => {
  const logs = new LogCapture();
  const sdk = sdkLogger(pino({ level: 'trace' }, logs), 'feishu-sdk');
  sdk.error('[ws]', new Error('connect failed'), { attempt: 2 });
  sdk.info('ready');
  expect(logs.lines).toEqual([
    expect.objectContaining({ level: 40, component: 'feishu-sdk', msg: '[ws] connect failed {"attempt":2}' }),
    expect.objectContaining({ level: 20, component: 'feishu-sdk', msg: 'ready' }),
  ]);
});

describe('toolkit - InstanceHttp', () => {
  let server: Server;
  let base: string;
  const open = new Set<unknown>();
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'x-seen-type': String(req.headers['content-type']) });
        res.end(JSON.stringify({ method: req.method, body }));
      });
    });
    server.on('connection', (s) => {
      open.add(s);
      s.on('close', () => open.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  test('fetch sends bodies with their content type, keeps the connection, and close() closes it', async () => {
    const net = new InstanceHttp();
    const res = await net.fetch(`${base}/x`, { method: 'POST', body: new URLSearchParams({ a: '1' }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-seen-type')).toMatch(/^application\/x-www-form-urlencoded/);
    expect(await res.json()).toEqual({ method: 'POST', body: 'a=1' });
    expect(open.size).toBe(1);
    net.close();
    await new Promise<void>((resolve) => {
      const check = () => (open.size === 0 ? resolve() : setTimeout(check, 5));
      check();
    });
  });

  test('a request that gets no answer rejects like the global fetch: TypeError with the socket error as cause', async () => {
    const net = new InstanceHttp();
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(net.fetch(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({
      name: 'TypeError',
      message: 'fetch failed',
      cause: { code: 'ECONNREFUSED' },
    });
    net.close();
  });

  test('request reads a whole answer over the same pool, and rejects on refusal, timeout and abort', async () => {
    const net = new InstanceHttp();
    const res = await net.request(new URL(`${base}/y`), { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'héllo' });
    expect(res.status).toBe(200);
    expect(res.headers['x-seen-type']).toBe('text/plain');
    expect(JSON.parse(res.body.toString('utf8'))).toEqual({ method: 'PUT', body: 'héllo' });

    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = new URL(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`);
    await expect(net.request(url, { timeoutMs: 50 })).rejects.toMatchObject({ name: 'TimeoutError' });
    const ac = new AbortController();
    const aborted = net.request(url, { signal: ac.signal });
    ac.abort(new Error('instance stopping'));
    await expect(aborted).rejects.toThrow('instance stopping');
    silent.closeAllConnections();
    await new Promise((r) => silent.close(r));
    await expect(net.request(url)).rejects.toMatchObject({ name: 'TypeError', cause: { code: 'ECONNREFUSED' } });
    net.close();
  });
});

import { LOOPBACK_PATH, writeConfig } from '../support/harness';
import { configError, load } from '../support/config-files';
import { dirname, join } from 'node:path';

test('config - an empty plugins list gets every default of the schema', () => {
  const config = load(writeConfig('plugins: []\n'));
  expect(config.nats).toEqual({
    servers: ['nats://127.0.0.1:4222'],
    prefix: 'chat',
    name: 'chat-gateway',
    autoStart: true,
    dedupWindow: 8 * 3_600_000,
    inboundMaxAge: 7 * 86_400_000,
    outboundMaxAge: 86_400_000,
    replicas: 1,
  });
  expect(config.http).toEqual({ listen: '127.0.0.1:8080', enabled: true, adminToken: '' });
  expect(config.accounts).toEqual({ fromNats: false });
  expect(config.log).toEqual({ level: 'info', format: 'auto' });
  expect(config.delivery).toEqual({
    maxAttempts: 6,
    initialBackoff: 500,
    maxBackoff: 30_000,
    concurrency: 32,
    sendTimeout: 20_000,
    maxBytes: 1_048_576,
    holdFor: 12 * 3_600_000,
    remember: 7 * 24 * 3_600_000,
  });
  expect(config.media).toEqual({ ttl: 24 * 3_600_000, maxBytes: 30 * 1024 * 1024, fetchTimeout: 60_000 });
  expect(config.lifecycle).toEqual({ startTimeout: 30_000, stopTimeout: 10_000, restartDelay: 5_000 });
  expect(config.instances).toEqual([]);
});

test('config - durations are read as milliseconds from ms, s, m, h, d or a plain number', () => {
  const config = load(
    writeConfig(`nats:
  dedupWindow: 8h
  inboundMaxAge: 2d
  outboundMaxAge: 90m
delivery:
  initialBackoff: 250
  maxBackoff: 1.5s
  sendTimeout: 750ms
`),
  );
  expect([config.nats.dedupWindow, config.nats.inboundMaxAge, config.nats.outboundMaxAge]).toEqual([28_800_000, 172_800_000, 5_400_000]);
  expect([config.delivery.initialBackoff, config.delivery.maxBackoff, config.delivery.sendTimeout]).toEqual([250, 1500, 750]);
});

test('config - a duration without a unit is refused with an example', () => {
  const file = writeConfig('nats:\n  dedupWindow: 8 hours\n');
  expect(configError(file).issues).toEqual([
    expect.objectContaining({
      line: 2,
      col: 16,
      path: 'nats.dedupWindow',
      message: '"8 hours" is not a valid value here',
      hint: 'milliseconds, or a string such as 500ms, 30s, 8h, 7d',
    }),
  ]);
});

test('config - booleans and numbers from environment variables are coerced', () => {
  const file = writeConfig(`nats:
  autoStart: \${NATS_AUTOSTART:-false}
delivery:
  maxAttempts: \${MAX_ATTEMPTS:-3}
plugins:
  - use: ${LOOPBACK_PATH}
    enabled: \${LB_ENABLED:-true}
    includeRaw: \${LB_RAW}
    sendDelayMs: \${LB_DELAY:-15}
`);
  const config = load(file, { LB_RAW: 'true', LB_ENABLED: 'false' });
  expect(config.nats.autoStart).toBe(false);
  expect(config.delivery.maxAttempts).toBe(3);
  expect(config.instances[0]).toMatchObject({ enabled: false, includeRaw: true, options: { sendDelayMs: 15 } });
});

test('config - a plugin entry gets core defaults and keeps only its own keys as options', () => {
  const file = writeConfig(`plugins:
  - use: ${LOOPBACK_PATH}
    sendDelayMs: 5
  - use: ${LOOPBACK_PATH}
    account: sales-bot
    allowFrom: ["ou_1", "*"]
    groupPolicy: open
    session: thread
    includeRaw: true
`);
  const [a, b] = load(file).instances;
  expect(a).toMatchObject({
    channel: 'loopback',
    account: 'default',
    enabled: true,
    groupPolicy: 'mention',
    includeRaw: false,
    options: { sendDelayMs: 5 },
    index: 0,
  });
  expect(a!.session).toBeUndefined();
  expect(a!.allowFrom).toBeUndefined();
  expect(b).toMatchObject({
    account: 'sales-bot',
    allowFrom: ['ou_1', '*'],
    groupPolicy: 'open',
    session: 'thread',
    includeRaw: true,
    options: {},
    index: 1,
  });
});

test('config - nats.creds is resolved against the config file folder', () => {
  const file = writeConfig('nats:\n  creds: ./secrets/gw.creds\n');
  expect(load(file).nats.creds).toBe(join(dirname(file), 'secrets/gw.creds'));
});

test('config - the default config file of the repository is valid', () => {
  const config = load(join(__dirname, '../../config/gateway.yaml'));
  expect(config.nats.servers).toEqual(['nats://127.0.0.1:4222']);
  expect(config.http.listen).toBe('127.0.0.1:8080');
});

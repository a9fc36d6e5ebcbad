import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import type { InstanceStatus } from '../../../core/bus/status-view';
import { subjects } from '../../../core/contract/subjects';
import { LOOPBACK_PATH, eventually, loopback, loopbackConfig, writeConfig } from '../../support';
import { useGatewayTest, type Booted } from '../../support/fixture';
import { freePort, uniquePrefix } from '../../support/nats-server';
import { GatewayProcess } from '../../support/gateway-process';
import { cli } from './ops-support';

const t = useGatewayTest();

const entry = (account: string, extra = '') => `  - use: ${LOOPBACK_PATH}\n    account: ${account}\n${extra}`;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A gateway with a healthy instance that saw traffic both ways, a broken one, and a disabled entry. */
async function bootMixed(prefix: string): Promise<Booted> {
  // A long restart delay keeps the broken instance in `failed` while the test reads it.
  const gw = await t.boot(
    loopbackConfig(
      t.nats.url,
      prefix,
      entry('ok') + entry('broken', '    failStart: "bad credentials"\n') + entry('off', '    enabled: false\n'),
    ).replace('restartDelay: 100ms', 'restartDelay: 1m'),
  );
  await loopback
    .get('ok')
    .receive({ messageId: 'm1', conversation: { id: 'dm', type: 'direct' }, sender: { id: 'u1' }, parts: [{ type: 'text', text: 'hi' }] });
  gw.publish('loopback.ok', { id: 'r1', conversation: { id: 'dm' }, text: 'hello' });
  await gw.receipts.waitFor(1);
  return gw;
}

/** Waits until the outbound activity is recorded and the broken instance is between two start attempts. */
async function settled(file: string): Promise<void> {
  await eventually(async () => {
    const [ok, broken] = (await statusJson(file)).body.instances;
    return ok!.lastOutbound !== undefined && broken!.state === 'failed';
  }, 'activity recorded and the broken instance failed');
}

async function statusJson(file: string) {
  const r = await cli('status', '-c', file, '--json');
  return { ...r, body: JSON.parse(r.out) as { ok: boolean; prefix: string; instances: InstanceStatus[] } };
}

test('status - prints a table of every instance with state, since, detail and last traffic; exit 1 when one is not connected', async () => {
  const { file } = await bootMixed(uniquePrefix());
  await settled(file);
  const r = await cli('status', '-c', file);
  expect(r.err).toBe('');
  expect(r.code).toBe(1);
  const [banner, blank, header, ...rows] = r.out.split('\n');
  expect(banner).toMatch(/^1 gateway replica running \(\S+:\d+:[0-9a-f]{8}\)$/);
  expect(blank).toBe('');
  expect(header).toMatch(/^CHANNEL +ACCOUNT +STATE +SINCE +REPLICAS +SENDING +LAST IN +LAST OUT +DETAIL$/);
  const ago = expect.stringMatching(/^\ds ago$/);
  expect(rows.slice(0, 3).map((line) => line.split(/ {2,}/))).toEqual([
    ['loopback', 'ok', 'connected', ago, '1', expect.stringMatching(/:\d+:/), ago, ago, 'loopback ready'],
    ['loopback', 'broken', 'failed', ago, '1', '-', '-', '-', 'bad credentials'],
    ['loopback', 'off', 'disabled', '-', '0', '-', '-', '-', 'enabled: false'],
  ]);
  expect(r.out).toContain("\nnot every instance is connected: see the detail column and the gateway's log\n");
});

test('status - --json gives the same facts with ISO times, and ok/exit 0 once every enabled instance is connected', async () => {
  const prefix = uniquePrefix();
  const gw = await bootMixed(prefix);
  const file = gw.file;
  await settled(file);
  const bad = await statusJson(file);
  expect(bad.code).toBe(1);
  expect(bad.body.ok).toBe(false);
  expect(bad.body.prefix).toBe(prefix);
  const [ok, broken, off] = bad.body.instances;
  expect(ok).toEqual({
    channel: 'loopback',
    account: 'ok',
    source: 'file',
    state: 'connected',
    since: expect.stringMatching(ISO),
    detail: 'loopback ready',
    replicas: 1,
    sending: expect.stringMatching(/:\d+:[0-9a-f]{8}$/),
    lastInbound: expect.stringMatching(ISO),
    lastOutbound: expect.stringMatching(ISO),
  });
  expect(broken).toMatchObject({ account: 'broken', state: 'failed', detail: 'bad credentials', hint: expect.stringContaining('DNS') });
  expect(broken!.lastInbound).toBeUndefined();
  expect(off).toEqual({ channel: 'loopback', account: 'off', source: 'file', state: 'disabled', detail: 'enabled: false', replicas: 0 });

  // Fix the file by removing the broken entry: the gateway reloads, status is all green.
  writeFileSync(
    gw.file,
    loopbackConfig(t.nats.url, prefix, entry('ok') + entry('off', '    enabled: false\n')).replace(
      'restartDelay: 100ms',
      'restartDelay: 1m',
    ),
  );
  expect(await gw.gateway.reloadFromFile('test')).toEqual({
    ok: true,
    summary: { added: [], removed: ['loopback/broken'], restarted: [], unchanged: ['loopback/ok'] },
  });
  // The status bucket is written asynchronously: the removed instance's `stopped` lands a moment later.
  await eventually(
    async () =>
      (await statusJson(file)).body.instances.some((i) => i.account === 'broken' && !!i.detail?.startsWith('last reported stopped')),
    'the removed instance reported stopped',
  );
  const good = await statusJson(file);
  expect(good.code).toBe(0);
  expect(good.body.ok).toBe(true);
  // What the status bucket still holds about the removed instance is shown as stale, and does not count.
  expect(good.body.instances.map((i) => [i.account, i.state, i.replicas])).toEqual([
    ['ok', 'connected', 1],
    ['off', 'disabled', 0],
    ['broken', 'stale', 0],
  ]);
  const table = await cli('status', '-c', file);
  expect(table.code).toBe(0);
  expect(table.out).toMatch(
    /\nloopback +broken +stale +\ds ago +0 +- +- +- +last reported stopped by a gateway that is no longer running\n/,
  );
});

test('status - activity is written at most every few seconds per instance, with the latest time', async () => {
  const { file, prefix } = await bootMixed(uniquePrefix());
  await eventually(async () => (await statusJson(file)).body.instances[0]!.lastInbound !== undefined, 'inbound activity recorded');
  const first = (await statusJson(file)).body.instances[0]!.lastInbound!;
  // Every write of the instance's inbound time from now on, in the order the bucket stored them.
  const kv = await new Kvm(t.nc).open(subjects(prefix).activityBucket);
  const writes: string[] = [];
  const watch = await kv.watch({ key: 'loopback.ok.inbound', include: 'updates' });
  t.defer(() => watch.stop());
  void (async () => {
    for await (const e of watch) writes.push(e.string());
  })();
  const lb = loopback.get('ok');
  let lastAt = '';
  for (let i = 0; i < 5; i++) {
    lastAt = new Date().toISOString();
    await lb.receive({
      messageId: `burst${i}`,
      conversation: { id: 'dm', type: 'direct' },
      sender: { id: 'u1' },
      parts: [{ type: 'text', text: 'hi' }],
    });
  }
  expect((await statusJson(file)).body.instances[0]!.lastInbound).toBe(first);
  // The write carrying the last message's time is the burst's barrier: any earlier write came before it.
  await eventually(() => writes.some((w) => w >= lastAt), 'the burst recorded once the interval passed', 8000);
  expect(writes).toHaveLength(1);
  expect(writes[0]! > first).toBe(true);
  expect((await statusJson(file)).body.instances[0]!.lastInbound).toBe(writes[0]);
}, 15_000);

test('status - when no gateway runs with the prefix it says so and exits 1', async () => {
  const file = writeConfig(loopbackConfig(t.nats.url, uniquePrefix(), entry('never')));
  const r = await cli('status', '-c', file);
  expect(r.code).toBe(1);
  expect(r.out).toMatch(
    /^no gateway is running with prefix "t\w+" on nats:\/\/127\.0\.0\.1:\d+: none answered on t\w+\.control\.status\n$/,
  );
});

test("status - tells what the gateway runs, not what the operator's shell would: enabled from the gateway's environment; after kill -9 no gateway runs", async () => {
  const prefix = uniquePrefix();
  const port = await freePort();
  const file = writeConfig(`nats:
  servers: ${t.nats.url}
  prefix: ${prefix}
  autoStart: false
http:
  listen: 127.0.0.1:${port}
log:
  format: json
plugins:
  - use: webchat
    enabled: \${STATUS_WC_ENABLED:-false}
`);
  const logFile = join(mkdtempSync(join(tmpdir(), 'cg-status-')), 'gateway.log');
  const gateway = new GatewayProcess(file, `http://127.0.0.1:${port}`, logFile, { STATUS_WC_ENABLED: 'true' });
  await gateway.start();
  try {
    expect(process.env.STATUS_WC_ENABLED).toBeUndefined();
    const running = await statusJson(file);
    expect(running.code).toBe(0);
    expect(running.body.instances).toEqual([
      expect.objectContaining({ channel: 'webchat', account: 'default', state: 'connected', replicas: 1 }),
    ]);
  } finally {
    await gateway.kill('SIGKILL');
  }
  const after = await cli('status', '-c', file);
  expect(after.code).toBe(1);
  expect(after.out).toMatch(
    new RegExp(
      `^no gateway is running with prefix "${prefix}" on nats://127\\.0\\.0\\.1:\\d+: none answered on ${prefix}\\.control\\.status\\n`,
    ),
  );
  expect(after.out).toMatch(
    /\nwhat the status bucket last heard \(stale\):\nCHANNEL.*\nwebchat +default +stale +.*last reported connected by a gateway/,
  );
});

test('status - an unreachable NATS is named with a hint, exit 1', async () => {
  const file = writeConfig(loopbackConfig(`nats://127.0.0.1:${await freePort()}`, 'chat', entry('x')));
  const r = await cli('status', '-c', file);
  expect(r.code).toBe(1);
  expect(r.out).toBe('');
  expect(r.err).toMatch(/^chat-gateway: \[E_NATS\] cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: .+\n  hint: /);
});

test("status - works from a shell without the bots' secrets: only the nats section must resolve", async () => {
  const prefix = uniquePrefix();
  const gw = await t.boot(loopbackConfig(t.nats.url, prefix, entry('sec', '    token: ${LB_SECRET_TOKEN}\n')), {
    env: { LB_SECRET_TOKEN: 'only-in-the-container' },
  });
  const r = await statusJson(gw.file);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.body.instances.map((i) => `${i.account}:${i.state}`)).toEqual(['sec:connected']);
  const broken = writeConfig(loopbackConfig(t.nats.url, prefix, entry('sec')).replace('  prefix:', '  prefx:'));
  const refused = await cli('status', '-c', broken);
  expect(refused.code).toBe(1);
  expect(refused.err).toBe(
    `${broken}:3:3: nats.prefx: unknown key "prefx"\n    hint: did you mean "prefix"?\n\n[E_CONFIG] 1 problem in ${broken}\n`,
  );
});

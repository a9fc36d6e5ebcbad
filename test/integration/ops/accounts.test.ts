import { writeFileSync } from 'node:fs';
import { AgentClient } from '../../../core/agent';
import type { AccountsStore } from '../../../core/accounts/store';
import { LOOPBACK_PATH, eventually, loopback, loopbackConfig, writeConfig } from '../../support';
import { useGatewayTest, type Booted } from '../../support/fixture';
import { uniquePrefix } from '../../support/nats-server';
import { cli } from './ops-support';

const t = useGatewayTest();

const fileEntry = (account: string) => `  - use: ${LOOPBACK_PATH}\n    account: ${account}\n`;

function boot(prefix: string, entries = fileEntry('fromfile')): Promise<Booted> {
  return t.boot(loopbackConfig(t.nats.url, prefix, entries, 'accounts:\n  fromNats: true\n'));
}

/** The accounts bucket as a backend sees it, through the agent client. */
async function store(prefix: string): Promise<AccountsStore> {
  const agent = await AgentClient.connect({ servers: t.nats.url, prefix, receiptTimeoutMs: 10_000 });
  t.defer(() => agent.close());
  return agent.accounts();
}

test('accounts - a backend puts a customer bot, waits for connected, it relays; new credentials restart it alone; a delete stops it', async () => {
  const prefix = uniquePrefix();
  const run = await boot(prefix);
  const accounts = await store(prefix);
  const fromFile = loopback.get('fromfile');
  await accounts.put('loopback', { use: LOOPBACK_PATH, account: 'customer-42', allowFrom: ['*'], token: 's3cret-v1' });
  expect(await accounts.waitFor('loopback', 'customer-42', ['connected'], { timeoutMs: 10_000 })).toMatchObject({ state: 'connected' });
  const first = loopback.get('customer-42');
  expect(first.options).toMatchObject({ token: 's3cret-v1' });
  run.publish('loopback.customer-42', { id: 'c1', conversation: { id: 'u' }, text: 'hello customer' });
  expect((await run.receipts.waitFor(1))[0]).toMatchObject({ ok: true, account: 'customer-42' });

  const since = new Date();
  await accounts.put('loopback', { use: LOOPBACK_PATH, account: 'customer-42', allowFrom: ['*'], token: 's3cret-v2' });
  await accounts.waitFor('loopback', 'customer-42', ['connected'], { since, timeoutMs: 10_000 });
  await eventually(() => loopback.has('customer-42') && loopback.get('customer-42') !== first, 'restarted with the new entry');
  expect(loopback.get('customer-42').options).toMatchObject({ token: 's3cret-v2' });
  expect(first.stopped).toBe(true);
  expect(loopback.get('fromfile')).toBe(fromFile);
  expect(run.logs.raw.join('\n')).not.toContain('s3cret-v2');

  expect(await accounts.remove('loopback', 'customer-42')).toBe(true);
  await eventually(() => !loopback.has('customer-42'), 'stopped after the delete');
  expect(run.gateway.instances.map((i) => i.key)).toEqual(['loopback/fromfile']);
});

test('accounts - an invalid entry is refused with its problems on the instance status; a key the file has is refused naming both', async () => {
  const prefix = uniquePrefix();
  const run = await boot(prefix);
  const accounts = await store(prefix);
  await accounts.put('loopback', { use: LOOPBACK_PATH, account: 'bad', startDelayMs: 'soon', bogus: 1 });
  const refused = await accounts.waitFor('loopback', 'bad', ['failed'], { timeoutMs: 10_000 });
  expect(refused.detail).toContain('entry refused: loopback.bad: bogus: unknown key "bogus"');
  expect(refused.detail).toContain('loopback.bad: startDelayMs:');

  await accounts.put('loopback', { use: LOOPBACK_PATH, account: 'fromfile' });
  await eventually(
    () => run.logs.messages().some((m) => m.includes('accounts bucket entry loopback.fromfile refused')),
    'the clash logged',
  );
  expect(run.logs.messages().find((m) => m.includes('loopback.fromfile refused'))).toContain(
    `loopback/fromfile is configured in ${run.file} too`,
  );
  expect(run.gateway.instances.map((i) => [i.key, i.config.source ?? 'file'])).toEqual([['loopback/fromfile', 'file']]);
  const status = await cli('status', '-c', run.file, '--json');
  expect(JSON.parse(status.out).instances).toEqual(
    expect.arrayContaining([expect.objectContaining({ channel: 'loopback', account: 'bad', state: 'refused' })]),
  );
});

test('accounts - two replicas both run a put account and both stop it on delete; entries present at start come up with the gateway', async () => {
  const prefix = uniquePrefix();
  const accounts = await store(prefix);
  await accounts.put('loopback', { use: LOOPBACK_PATH, account: 'early' });
  const a = await boot(prefix, '  []\n');
  expect(a.gateway.instances.map((i) => i.key)).toEqual(['loopback/early']);
  const b = await boot(prefix, '  []\n');
  await accounts.put('loopback', { use: LOOPBACK_PATH, account: 'late' });
  for (const r of [a, b])
    await eventually(() => r.gateway.instances.some((i) => i.key === 'loopback/late' && i.state === 'started'), 'late started on both');
  await accounts.remove('loopback', 'late');
  for (const r of [a, b]) await eventually(() => !r.gateway.instances.some((i) => i.key === 'loopback/late'), 'late stopped on both');
});

test('accounts - the CLI puts a file checked like a config (file:line:col), lists and removes', async () => {
  const prefix = uniquePrefix();
  const run = await boot(prefix);
  const bad = writeConfig(`- use: ${LOOPBACK_PATH}\n  account: cli-1\n  sendDelayMs: -5\n`, 'accounts.yaml');
  const refused = await cli('accounts', 'put', bad, '-c', run.file);
  expect(refused.code).toBe(1);
  expect(refused.err).toMatch(new RegExp(`^${bad}:3:16: \\[0\\]\\.sendDelayMs: `));
  const good = writeConfig(`- use: ${LOOPBACK_PATH}\n  account: cli-1\n  token: \${CLI_TOKEN}\n`, 'accounts.yaml');
  process.env.CLI_TOKEN = 'tok-from-env';
  try {
    expect(await cli('accounts', 'put', good, '-c', run.file)).toEqual({ code: 0, out: 'stored loopback.cli-1\n', err: '' });
  } finally {
    delete process.env.CLI_TOKEN;
  }
  await eventually(() => loopback.has('cli-1'), 'cli-1 started');
  expect(loopback.get('cli-1').options).toMatchObject({ token: 'tok-from-env' });
  const list = await cli('accounts', 'list', '-c', run.file, '--json');
  expect(JSON.parse(list.out)).toEqual([
    expect.objectContaining({ channel: 'loopback', account: 'cli-1', entry: expect.objectContaining({ token: '***' }) }),
  ]);
  expect(await cli('accounts', 'rm', 'loopback/cli-1', '-c', run.file)).toMatchObject({ code: 0 });
  await eventually(() => !loopback.has('cli-1'), 'cli-1 stopped');
  expect(await cli('accounts', 'rm', 'loopback/cli-1', '-c', run.file)).toEqual({
    code: 1,
    out: '',
    err: 'chat-gateway: no entry loopback.cli-1 in the accounts bucket\n',
  });
  writeFileSync(bad, '');
});

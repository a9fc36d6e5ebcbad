import { writeFileSync } from 'node:fs';
import { LOOPBACK_PATH, eventually, loopback, loopbackConfig, writeConfig } from '../../support';
import type { StartOptions } from '../../support/harness';
import { useGatewayTest } from '../../support/fixture';
import { uniquePrefix } from '../../support/nats-server';
import { cli, replaceFile } from './ops-support';

const t = useGatewayTest();

const entry = (account: string, extra = '') => `  - use: ${LOOPBACK_PATH}\n    account: ${account}\n${extra}`;
const dm = (id: string) => ({
  messageId: id,
  conversation: { id: 'dm_u1', type: 'direct' as const },
  sender: { id: 'u1' },
  parts: [{ type: 'text' as const, text: id }],
});

const boot = (yaml: string, opts: StartOptions = {}) => t.boot(yaml, opts);

test('reload - restarts only the changed instance, adds and removes others, and the untouched one relays every message meanwhile', async () => {
  const prefix = uniquePrefix();
  const run = await boot(loopbackConfig(t.nats.url, prefix, entry('keep') + entry('change', '    stopDelayMs: 300\n') + entry('gone')));
  const keep = loopback.get('keep');
  const changed = loopback.get('change');
  const { receipts, inbox } = run;

  // A steady stream to the untouched instance, in and out, for as long as the reload takes and beyond.
  const total = 300;
  let published = 0;
  const traffic = (async () => {
    for (let i = 0; i < total; i++, published++) {
      run.publish('loopback.keep', { id: `k${i}`, conversation: { id: `c${i % 5}` }, text: `${i}` });
      expect((await keep.receive(dm(`in${i}`))).outcome).toBe('stored');
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  await eventually(() => published > 0, 'traffic under way');
  writeFileSync(
    run.file,
    loopbackConfig(
      t.nats.url,
      prefix,
      entry('keep') + entry('change', '    stopDelayMs: 300\n    sendDelayMs: 1\n') + entry('added', '    startDelayMs: 100\n'),
    ),
  );
  const publishedBefore = published;
  const outcome = await run.gateway.reloadFromFile('test');
  const publishedDuring = published - publishedBefore;
  await traffic;
  expect(publishedBefore).toBeGreaterThan(0);
  expect(publishedDuring).toBeGreaterThan(10);
  expect(publishedBefore + publishedDuring).toBeLessThan(total);

  expect(outcome).toEqual({
    ok: true,
    summary: { added: ['loopback/added'], removed: ['loopback/gone'], restarted: ['loopback/change'], unchanged: ['loopback/keep'] },
  });
  const mine = (await receipts.waitFor(total)).filter((r) => r.account === 'keep');
  expect(mine).toHaveLength(total);
  expect(mine.every((r) => r.ok)).toBe(true);
  expect(keep.sent).toHaveLength(total);
  expect(new Set(keep.sent.map((s) => s.envelope.id)).size).toBe(total);
  expect((await inbox.waitFor(total)).filter((e) => e.account === 'keep')).toHaveLength(total);
  // Same adapter object, never stopped: its platform connection was not touched.
  expect(loopback.get('keep')).toBe(keep);
  expect(keep.stopped).toBe(false);
  expect(changed.stopped).toBe(true);
  expect(loopback.get('change')).not.toBe(changed);
  expect(loopback.get('change').options.sendDelayMs).toBe(1);
  expect(loopback.has('gone')).toBe(false);
  expect(run.gateway.instances.map((i) => i.key)).toEqual(['loopback/keep', 'loopback/change', 'loopback/added']);

  // The added account is served; the removed one is refused like any unknown account.
  run.publish('loopback.added', { id: 'a1', conversation: { id: 'c' }, text: 'new' });
  run.publish('loopback.gone', { id: 'g1', conversation: { id: 'c' }, text: 'old' });
  await eventually(
    () => receipts.items.some((r) => r.id === 'a1') && receipts.items.some((r) => r.id === 'g1'),
    'receipts for the added and the removed account',
  );
  expect(receipts.items.find((r) => r.id === 'a1')).toMatchObject({ ok: true, account: 'added' });
  expect(receipts.items.find((r) => r.id === 'g1')).toMatchObject({ ok: false, error: { code: 'E_UNKNOWN_ACCOUNT' } });

  const line = run.logs.find((l) => String(l.msg).startsWith('config reloaded'));
  expect(line).toMatchObject({
    level: 30,
    reason: 'test',
    added: ['loopback/added'],
    removed: ['loopback/gone'],
    restarted: ['loopback/change'],
    unchanged: ['loopback/keep'],
  });
  expect(line!.msg).toBe(
    'config reloaded (test): 1 added (loopback/added), 1 removed (loopback/gone), 1 restarted (loopback/change), 1 unchanged',
  );
}, 30_000);

test('reload - a file with problems is refused, each problem logged at file:line:col, and the running config stays', async () => {
  const prefix = uniquePrefix();
  const run = await boot(loopbackConfig(t.nats.url, prefix, entry('main')));
  const before = run.gateway.config;
  const adapter = loopback.get('main');
  writeFileSync(
    run.file,
    loopbackConfig(t.nats.url, prefix, entry('main', '    sendDelayMS: 5\n    groupPolicy: sometimes\n') + entry('more')),
  );
  const outcome = await run.gateway.reloadFromFile('test');

  expect(outcome.ok).toBe(false);
  const problems = (outcome as { problems: string[] }).problems;
  expect(problems).toHaveLength(2);
  expect(problems[0]).toMatch(
    new RegExp(`^${run.file}:\\d+:5: plugins\\[0\\]\\.sendDelayMS: unknown key "sendDelayMS"\\n    hint: did you mean "sendDelayMs"\\?$`),
  );
  expect(problems[1]).toMatch(new RegExp(`^${run.file}:\\d+:18: plugins\\[0\\]\\.groupPolicy: must be one of "mention", "open", "off"`));
  const errors = run.logs.lines.filter((l) => l.level === 50);
  expect(errors.map((l) => l.msg)).toEqual([
    problems[0]!.split('\n')[0],
    problems[1]!.split('\n')[0],
    `config reload refused: 2 problems in ${run.file}; still running the previous config`,
  ]);
  expect(errors[0]).toMatchObject({ file: run.file, col: 5, key: 'plugins[0].sendDelayMS', hint: 'did you mean "sendDelayMs"?' });

  expect(run.gateway.config).toBe(before);
  expect(loopback.get('main')).toBe(adapter);
  expect(loopback.has('more')).toBe(false);
  run.publish('loopback.main', { id: 'still', conversation: { id: 'c' }, text: 'running' });
  expect((await run.receipts.waitFor(1))[0]).toMatchObject({ id: 'still', ok: true });
});

test('reload - nats and http changes are logged as needing a restart; log level and new secrets apply at once', async () => {
  const prefix = uniquePrefix();
  const run = await boot(loopbackConfig(t.nats.url, prefix, entry('main')));
  const secret = 'r0tated-t0ken-value';
  const next = loopbackConfig(
    t.nats.url,
    prefix,
    entry('main') + entry('secret', `    token: ${secret}\n    failStart: "login refused for ${secret}"\n`),
  )
    .replace('listen: 127.0.0.1:0', 'listen: 127.0.0.1:1')
    .replace('  level: debug', '  level: info')
    .replace('  autoStart: false', '  autoStart: false\n  name: renamed');
  writeFileSync(run.file, next);
  const outcome = await run.gateway.reloadFromFile('test');
  expect(outcome).toMatchObject({ ok: true, summary: { added: ['loopback/secret'], unchanged: ['loopback/main'] } });
  expect(run.logs.find((l) => l.level === 40 && String(l.msg).includes('take effect after a restart'))).toMatchObject({
    sections: ['nats', 'http'],
    msg: 'nats and http settings changed: they take effect after a restart; running with the previous ones',
  });
  expect(run.gateway.config.http.listen).toBe('127.0.0.1:0');
  expect(run.gateway.config.nats.name).toBe('chat-gateway');
  await eventually(() => run.logs.raw.some((l) => l.includes('login refused')), 'the new instance fails to start');
  expect(run.logs.raw.join('\n')).not.toContain(secret);
  const debugBefore = run.logs.lines.filter((l) => l.level === 20).length;
  await loopback.get('main').receive(dm('after'));
  expect(run.logs.lines.filter((l) => l.level === 20)).toHaveLength(debugBefore);
});

test('reload - the file watch applies a saved change, also when an editor replaces the file, and ignores saves that change nothing', async () => {
  const prefix = uniquePrefix();
  const run = await boot(loopbackConfig(t.nats.url, prefix, entry('main')), { watch: true });
  const reloaded = () => run.logs.lines.filter((l) => String(l.msg).startsWith('config reloaded'));

  replaceFile(run.file, loopbackConfig(t.nats.url, prefix, entry('main') + entry('watched')));
  await eventually(() => reloaded().length === 1, 'the reload done by the watch', 5000);
  expect(loopback.has('watched')).toBe(true);
  expect(reloaded()[0]).toMatchObject({ reason: 'config file changed', added: ['loopback/watched'] });
  expect(run.logs.messages()).toContain('config file changed: reloading');

  // The watch survives the rename: the next save (in place this time) is seen too.
  writeFileSync(run.file, loopbackConfig(t.nats.url, prefix, entry('main')));
  await eventually(() => reloaded().length === 2, 'the second reload done by the watch', 5000);
  expect(loopback.has('watched')).toBe(false);

  // Touching the file without changing it, or a temp file next to it, reloads nothing. The watch
  // decides when it reads the file again, once the folder was still for a moment: wait for that read.
  const reads = jest.spyOn(jest.requireActual<typeof import('node:fs')>('node:fs'), 'readFileSync');
  t.defer(() => reads.mockRestore());
  writeFileSync(run.file, loopbackConfig(t.nats.url, prefix, entry('main')));
  writeFileSync(`${run.file}.bak`, 'not: yaml: [');
  const touched = reads.mock.calls.length;
  await eventually(() => reads.mock.calls.slice(touched).some(([f]) => f === run.file), 'the watch read the touched file', 5000);
  expect(run.logs.messages().filter((m) => m === 'config file changed: reloading')).toHaveLength(2);
  expect(reloaded()).toHaveLength(2);

  // A broken save is refused once; fixing it applies.
  writeFileSync(run.file, loopbackConfig(t.nats.url, prefix, entry('main', '    colour: red\n')));
  await eventually(() => run.logs.messages().some((m) => m.startsWith('config reload refused')), 'the broken save refused', 5000);
  expect(loopback.has('main')).toBe(true);
  writeFileSync(run.file, loopbackConfig(t.nats.url, prefix, entry('main') + entry('fixed')));
  await eventually(() => loopback.has('fixed'), 'the fixed save applied', 5000);
}, 20_000);

test('reload - chat-gateway reload asks every gateway over NATS and prints each result; a refusal exits 1', async () => {
  const prefix = uniquePrefix();
  const a = await boot(loopbackConfig(t.nats.url, prefix, entry('ra')));
  const b = await boot(loopbackConfig(t.nats.url, prefix, entry('rb')));

  writeFileSync(a.file, loopbackConfig(t.nats.url, prefix, entry('ra') + entry('ra2')));
  const ok = await cli('reload', '-c', a.file);
  expect(ok.err).toBe('');
  expect(ok.code).toBe(0);
  const lines = ok.out.trim().split('\n').sort();
  expect(lines).toHaveLength(2);
  expect(lines.some((l) => /^\S+:\d+:[0-9a-f]{8}: reloaded: 1 added \(loopback\/ra2\), 0 removed, 0 restarted, 1 unchanged$/.test(l))).toBe(
    true,
  );
  expect(lines.some((l) => /: reloaded: 0 added, 0 removed, 0 restarted, 1 unchanged$/.test(l))).toBe(true);
  expect(loopback.has('ra2')).toBe(true);

  writeFileSync(b.file, loopbackConfig(t.nats.url, prefix, entry('rb', '    bogus: 1\n')));
  const refused = await cli('reload', '-c', a.file, '--json');
  expect(refused.code).toBe(1);
  const answers = JSON.parse(refused.out) as Array<{ replica: string; ok: boolean; problems?: string[] }>;
  expect(answers).toHaveLength(2);
  const bad = answers.find((x) => !x.ok)!;
  expect(bad.problems).toEqual([expect.stringMatching(new RegExp(`^${b.file}:\\d+:5: plugins\\[0\\]\\.bogus: unknown key "bogus"`))]);
  expect(b.logs.messages()).toContain('reload requested over NATS');
  expect(loopback.has('rb')).toBe(true);
});

test('reload - chat-gateway reload says so when no gateway runs with the prefix', async () => {
  const file = writeConfig(loopbackConfig(t.nats.url, uniquePrefix(), entry('none')));
  const r = await cli('reload', '-c', file);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(
    /^chat-gateway: no gateway answered on t\w+\.control\.reload: none runs against nats:\/\/127\.0\.0\.1:\d+ with prefix "t\w+"\n  hint: /,
  );
});

test('reload - reloading an unchanged file restarts nothing', async () => {
  const run = await boot(loopbackConfig(t.nats.url, uniquePrefix(), entry('same')));
  const adapter = loopback.get('same');
  const outcome = await run.gateway.reloadFromFile('SIGHUP');
  expect(outcome).toEqual({ ok: true, summary: { added: [], removed: [], restarted: [], unchanged: ['loopback/same'] } });
  expect(loopback.get('same')).toBe(adapter);
  expect(adapter.stopped).toBe(false);
});

test('reload - restarting account "sales" keeps the routes of its sibling "sales-bot"', async () => {
  const prefix = uniquePrefix();
  const webchat = (account: string, title: string) => `  - use: webchat\n    account: ${account}\n    title: ${title}\n`;
  const run = await boot(loopbackConfig(t.nats.url, prefix, webchat('sales', 'Sales') + webchat('sales-bot', 'Bot')));
  const base = run.gateway.http.url;
  const page = async (account: string) => (await fetch(`${base}/webchat/${account}/`)).status;
  expect(await page('sales')).toBe(200);
  expect(await page('sales-bot')).toBe(200);

  writeFileSync(run.file, loopbackConfig(t.nats.url, prefix, webchat('sales', 'Sales desk') + webchat('sales-bot', 'Bot')));
  const outcome = await run.gateway.reloadFromFile('test');
  expect(outcome).toEqual({
    ok: true,
    summary: { added: [], removed: [], restarted: ['webchat/sales'], unchanged: ['webchat/sales-bot'] },
  });
  expect(await page('sales')).toBe(200);
  expect(await page('sales-bot')).toBe(200);
});

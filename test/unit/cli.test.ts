import { main, type Io } from '../../core/cli/main';
import { LOOPBACK_PATH, writeConfig } from '../support/harness';
import { dirname } from 'node:path';
import { version } from '../../package.json';

/** Runs the CLI as a user would from a shell, capturing what it prints. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => (out += s), err: (s) => (err += s) };
  const code = await main(argv, io);
  return { code, out, err };
}

test('cli - validate prints each problem as FILE:line:col with its hint and exits 1', async () => {
  const file = writeConfig(`plugins:
  - use: ${LOOPBACK_PATH}
    sendDelayMS: 10
`);
  const r = await run('validate', '-c', file);
  expect(r.code).toBe(1);
  expect(r.out).toBe('');
  expect(r.err).toBe(
    `${file}:3:5: plugins[0].sendDelayMS: unknown key "sendDelayMS"\n    hint: did you mean "sendDelayMs"?\n\n[E_CONFIG] 1 problem in ${file}\n`,
  );
});

test('cli - validate lists the instances of a valid file and exits 0', async () => {
  const file = writeConfig(`plugins:
  - use: ${LOOPBACK_PATH}
    account: support
  - use: ${LOOPBACK_PATH}
    account: sales
    enabled: false
`);
  const r = await run('validate', '--config', file);
  expect(r).toEqual({ code: 0, err: '', out: `${file}: valid, 2 plugin instances:\n  loopback/support\n  loopback/sales (disabled)\n` });
});

test('cli - validate accepts --config=FILE', async () => {
  const file = writeConfig('plugins: []\n');
  expect(await run('validate', `--config=${file}`)).toEqual({ code: 0, err: '', out: `${file}: valid, 0 plugin instances\n` });
});

test('cli - validate takes the file from CHAT_GATEWAY_CONFIG when -c is not given', async () => {
  const file = writeConfig('plugins: []\n');
  const before = process.env.CHAT_GATEWAY_CONFIG;
  process.env.CHAT_GATEWAY_CONFIG = file;
  try {
    expect((await run('validate')).out).toBe(`${file}: valid, 0 plugin instances\n`);
  } finally {
    if (before === undefined) delete process.env.CHAT_GATEWAY_CONFIG;
    else process.env.CHAT_GATEWAY_CONFIG = before;
  }
});

test('cli - a missing config file is named, with how to pass another, exit 1', async () => {
  const r = await run('validate', '-c', '/nonexistent/gateway.yaml');
  expect(r.code).toBe(1);
  expect(r.err).toBe(
    'chat-gateway: [E_CONFIG] config file /nonexistent/gateway.yaml not found (pass -c FILE or set CHAT_GATEWAY_CONFIG)\n',
  );
});

test('cli - a config path that cannot be read is reported with a hint, exit 1', async () => {
  const dir = dirname(writeConfig('plugins: []\n'));
  const r = await run('validate', '-c', dir);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(new RegExp(`^chat-gateway: \\[E_CONFIG\\] cannot read config file ${dir}: EISDIR`));
  expect(r.err).toContain('\n  hint: pass an existing file with -c FILE');
});

test('cli - start with an invalid file reports the problems and exits 1 without starting', async () => {
  const file = writeConfig('natz: {}\n');
  const r = await run('start', '-c', file);
  expect(r.code).toBe(1);
  expect(r.err).toContain(`${file}:1:1: natz: unknown key "natz"\n    hint: did you mean "nats"?`);
});

test('cli - an unknown command prints the usage and exits 2', async () => {
  const r = await run('frobnicate');
  expect(r.code).toBe(2);
  expect(r.err).toMatch(
    /^chat-gateway: unknown command "frobnicate"\n\nchat-gateway — connects chat platforms to agents through NATS\n\nUsage:\n/,
  );
});

test('cli - an unknown option prints the usage and exits 2', async () => {
  const r = await run('validate', '--verbose');
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/^chat-gateway: unknown option --verbose\n\n.*\n\nUsage:\n/);
});

test('cli - -c without a file name is refused with exit 2', async () => {
  const r = await run('validate', '-c');
  expect(r.code).toBe(2);
  expect(r.err.split('\n')[0]).toBe('chat-gateway: -c needs a file name');
});

test('cli - help, --help and no arguments print the usage on stdout and exit 0', async () => {
  for (const argv of [['help'], ['--help'], ['validate', '-h'], []]) {
    const r = await run(...argv);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain('chat-gateway validate [-c FILE]');
  }
});

test('cli - options a command does not take, and extra arguments, are refused with exit 2', async () => {
  expect((await run('validate', '--json')).err.split('\n')[0]).toBe('chat-gateway: unknown option --json');
  expect((await run('status', 'now')).err.split('\n')[0]).toBe('chat-gateway: unexpected argument "now"');
  expect((await run('pair', 'approve', 'ABC234', 'extra')).err.split('\n')[0]).toBe('chat-gateway: unexpected argument "extra"');
  for (const argv of [
    ['status', '--instance', 'a/b'],
    ['pair', 'list', '--instance'],
  ])
    expect((await run(...argv)).code).toBe(2);
});

test('cli - pair without a valid action says what it takes, exit 2', async () => {
  const file = writeConfig('plugins: []\n');
  expect(await run('pair', '-c', file)).toEqual({
    code: 2,
    out: '',
    err: 'chat-gateway: pair needs an action: list, approve or revoke\n  usage: chat-gateway pair list | approve CODE | revoke SENDER --instance CHANNEL/ACCOUNT  [-c FILE]\n',
  });
  expect((await run('pair', 'forget', '-c', file)).err.split('\n')[0]).toBe('chat-gateway: unknown pair action "forget"');
  expect((await run('pair', 'approve', '-c', file)).err.split('\n')[0]).toBe('chat-gateway: pair approve needs the code the sender got');
});

test('cli - help lists the operator commands', async () => {
  const r = await run('help');
  for (const c of [
    'chat-gateway reload   [-c FILE] [--json]',
    'chat-gateway status   [-c FILE] [--json]',
    'chat-gateway pair list | approve CODE | revoke SENDER --instance CHANNEL/ACCOUNT',
  ])
    expect(r.out).toContain(c);
});

test('cli - --version and version print the version of chat-gateway, its plugin API and Node.js, exit 0', async () => {
  for (const argv of [['--version'], ['-V'], ['version']]) {
    expect(await run(...argv)).toEqual({ code: 0, err: '', out: `chat-gateway ${version} (plugin API 1.2, Node.js ${process.version})\n` });
  }
});

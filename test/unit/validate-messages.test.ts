import { join } from 'node:path';
import { main, type Io } from '../../core/cli/main';
import { formatIssue } from '../../core/config/issues';
import { LOOPBACK_PATH, writeConfig } from '../support/harness';
import { configError, load, tempDir } from '../support/config-files';

/** `chat-gateway validate -c FILE` as an operator runs it. */
async function validate(file: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => (out += s), err: (s) => (err += s) };
  const code = await main(['validate', '-c', file], io);
  return { code, out, err };
}

const issuesOf = (yaml: string, env: NodeJS.ProcessEnv = {}) =>
  configError(writeConfig(yaml), env).issues.map((i) => ({ at: `${i.line}:${i.col}`, path: i.path, message: i.message, hint: i.hint }));

describe('validate - YAML syntax errors are said in plain words at the character to fix', () => {
  test.each([
    [
      'a key indented one space short in a list entry',
      'plugins:\n  - use: webchat\n    title: x\n  - use: feishu\n   appId: x\n',
      '5:4',
      '"appId" is not lined up with the list entry above it',
      /^YAML reads structure from indentation/,
    ],
    [
      'a key indented less than its siblings',
      'nats:\n  prefix: chat\n servers: x\n',
      '3:2',
      '"servers" is not lined up with the lines above it',
      /^YAML reads structure from indentation/,
    ],
    [
      'a tab as indentation',
      'plugins:\n  - use: webchat\n\ttitle: x\n',
      '3:1',
      'a tab is used for indentation',
      /replace the tab with spaces/,
    ],
    [
      'a quoted value never closed, at its opening quote',
      'plugins:\n- use: webchat\n  title: "abc\n',
      '3:10',
      'this quoted value has no closing "',
      /^end the value with "/,
    ],
    ['a word with no colon', 'plugins:\n  - use: webchat\n    title\n', '3:5', '"title" has no ": value" after it', /write "key: value"/],
    [
      'a value with a second colon',
      'plugins:\n  - use: webchat\n    title: Sales: EMEA\n',
      '3:12',
      'a second ": " on this line, or a key that runs over two lines',
      /quote a value that contains ": "/,
    ],
    [
      'a value starting with a reserved character',
      'plugins:\n  - use: webchat\n    title: @bot\n',
      '3:12',
      'a plain value cannot start with @',
      /^quote the value: "@bot"/,
    ],
    ['a [ list left open', 'nats:\n  servers: [nats://a\nplugins: []\n', '3:1', 'a [ list is not closed before this line', /close it/],
  ])('%s', (_name, yaml, at, message, hint) => {
    const issues = issuesOf(yaml);
    expect(issues).toEqual([{ at, path: '', message, hint: expect.stringMatching(hint) }]);
    expect(issues[0]!.message).not.toMatch(/implicit|block|flow|scalar|collection/i);
  });
});

test('validate - a key written twice is named at the repeat, and the other problems are still reported', () => {
  const issues = issuesOf(`nats:
  prefix: chat
  prefix: other
delivery:
  maxAtempts: 3
plugins:
  - use: webchat
    title: a
    title: b
`);
  expect(issues).toEqual([
    {
      at: '3:3',
      path: 'nats.prefix',
      message: 'key "prefix" is written twice in this block (first on line 2)',
      hint: 'keep one of them: YAML would silently use only the last value',
    },
    expect.objectContaining({ at: '5:3', message: 'unknown key "maxAtempts"', hint: 'did you mean "maxAttempts"?' }),
    expect.objectContaining({
      at: '9:5',
      path: 'plugins[0].title',
      message: 'key "title" is written twice in this block (first on line 8)',
    }),
  ]);
});

// Each case: a file with values of the wrong type or out of range, and every issue it gets.
test.each([
  {
    name: 'a wrong type shows the value found and what the key takes',
    yaml: 'delivery:\n  maxAttempts: 6.5\n  concurrency: many\nplugins:\n  - use: webchat\n    enabled: yes please\n',
    issues: [
      {
        at: '2:16',
        path: 'delivery.maxAttempts',
        message: 'must be a whole number, got 6.5',
        hint: 'a whole number from 1 to 100 (default 6)',
      },
      {
        at: '3:16',
        path: 'delivery.concurrency',
        message: 'must be a whole number, got "many"',
        hint: 'a whole number from 1 to 1000 (default 32)',
      },
      { at: '6:14', path: 'plugins[0].enabled', message: 'must be true or false, got "yes please"', hint: 'true or false (default true)' },
    ],
  },
  {
    name: 'a value out of range or empty says the limit and the value',
    yaml: 'lifecycle:\n  startTimeout: -5\nplugins:\n  - use: webchat\n    maxMessageLength: 0\n  - use: ""\n',
    issues: [
      {
        at: '2:17',
        path: 'lifecycle.startTimeout',
        message: '-5 is not a valid value here',
        hint: 'milliseconds, or a string such as 500ms, 30s, 8h, 7d',
      },
      {
        at: '5:23',
        path: 'plugins[0].maxMessageLength',
        message: 'must be at least 1, got 0',
        hint: 'longest visitor message in characters',
      },
      {
        at: '6:10',
        path: 'plugins[1].use',
        message: 'must not be empty, got ""',
        hint: 'built-in name, package name, or path relative to the config file',
      },
    ],
  },
])('validate - $name', ({ yaml, issues }) => {
  expect(issuesOf(yaml)).toEqual(issues);
});

test('validate - the value of a secret key is never shown in a message', () => {
  const plugin = `module.exports = { default: { name: 'vault', apiVersion: 1, adapter: class {}, secrets: ['apiKey'],
    options: { type: 'object', properties: { apiKey: { type: 'string', pattern: '^sk_' } } } } };\n`;
  const dir = tempDir({ 'vault.js': plugin, 'gateway.yaml': 'plugins:\n  - use: ./vault.js\n    apiKey: hunter2-the-real-one\n' });
  const [issue, ...rest] = configError(join(dir, 'gateway.yaml')).issues;
  expect(rest).toEqual([]);
  expect(issue!.message).toBe('must match pattern "^sk_"');
  expect(formatIssue(issue!)).not.toContain('hunter2');
});

test('validate - a misspelt built-in plugin gets a did-you-mean and no npm install of the typo', () => {
  const [issue, ...rest] = issuesOf('plugins:\n  - use: feishuu\n');
  expect(rest).toEqual([]);
  expect(issue).toEqual({
    at: '2:10',
    path: 'plugins[0].use',
    message: 'plugin "feishuu" is neither built in nor an installed package',
    hint: 'did you mean "feishu"? (built-in plugins: feishu, webchat, slack, telegram, dingtalk, wecom, discord)',
  });
  expect(issue!.hint).not.toContain('npm install');
});

test('validate - an unknown plugin that is no typo says how a real third-party plugin is installed, without naming the typed name', () => {
  const [issue] = issuesOf('plugins:\n  - use: linechat\n');
  expect(issue!.hint).toBe(
    'built-in plugins: feishu, webchat, slack, telegram, dingtalk, wecom, discord; a third-party plugin must be installed first, under the exact package name its documentation gives (npm install <that name>), or given as a path such as ./plugins/my-channel',
  );
  expect(issue!.hint).not.toContain('npm install linechat');
});

test('validate - an unset secret is never given a default in the hint; an ordinary value is', () => {
  const issues = issuesOf(`nats:
  prefix: \${PREFIX}
  token: \${NATS_TOKEN}
plugins:
  - use: feishu
    appId: \${FEISHU_APP_ID}
    appSecret: \${FEISHU_APP_SECRET}
`);
  expect(issues.map((i) => [i.path, i.hint])).toEqual([
    ['nats.prefix', 'export PREFIX=..., or give a default: ${PREFIX:-value}'],
    ['nats.token', expect.stringMatching(/^set NATS_TOKEN in the gateway's environment .*keep the secret itself out of the config file$/)],
    ['plugins[0].appId', 'export FEISHU_APP_ID=..., or give a default: ${FEISHU_APP_ID:-value}'],
    ['plugins[0].appSecret', expect.stringMatching(/^set FEISHU_APP_SECRET in the gateway's environment/)],
  ]);
  for (const [, hint] of issues.filter((i) => /token|Secret/.test(i.path)).map((i) => [i.path, i.hint])) expect(hint).not.toMatch(/:-/);
});

test('validate - an empty file is valid but warned about, with where to start', async () => {
  for (const text of ['', '# nothing here yet\n']) {
    const file = writeConfig(text);
    const r = await validate(file);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${file}: valid, 0 plugin instances\n`);
    expect(r.err).toBe(
      `${file}:1:1: warning: the file is empty: the gateway would run with the defaults and no plugin instance\n    hint: start from config/gateway.yaml; every key is described in docs/configuration.md\n`,
    );
  }
  expect(load(writeConfig('plugins: []\n')).warnings).toEqual([]);
});

test('validate - allowFrom written as one comma-separated string is a list of ids', () => {
  const file = writeConfig(`plugins:
  - use: ${LOOPBACK_PATH}
    allowFrom: \${ALLOW}
  - use: ${LOOPBACK_PATH}
    account: b
    allowFrom: "*"
`);
  expect(load(file, { ALLOW: 'ou_a, ou_b,,ou_c' }).instances.map((i) => i.allowFrom)).toEqual([['ou_a', 'ou_b', 'ou_c'], ['*']]);
});

test('validate - every problem is followed by its code and count', async () => {
  const file = writeConfig('delivery:\n  maxAttempts: six\n');
  const r = await validate(file);
  expect(r.code).toBe(1);
  expect(r.err).toBe(
    `${file}:2:16: delivery.maxAttempts: must be a whole number, got "six"\n    hint: a whole number from 1 to 100 (default 6)\n\n[E_CONFIG] 1 problem in ${file}\n`,
  );
});

import { formatIssue, type ConfigIssue } from '../../core/config/issues';
import { LOOPBACK_PATH, writeConfig } from '../support/harness';
import { configError, load } from '../support/config-files';

// Each case: a file with exactly one problem, and that problem as `validate` prints it.
test.each([
  {
    name: 'a misspelt top-level key is reported at the key with a did-you-mean hint',
    yaml: `nats:
  prefix: chat
natz:
  servers: nats://127.0.0.1:4222
`,
    printed: (file: string) => `${file}:3:1: natz: unknown key "natz"\n    hint: did you mean "nats"?`,
  },
  {
    name: "a misspelt plugin key is checked against the plugin's schema",
    yaml: `plugins:
  - use: ${LOOPBACK_PATH}
    account: main
    sendDelayMS: 10
`,
    printed: (file: string) => `${file}:4:5: plugins[0].sendDelayMS: unknown key "sendDelayMS"\n    hint: did you mean "sendDelayMs"?`,
  },
])('config - $name', ({ yaml, printed }) => {
  const file = writeConfig(yaml);
  expect(configError(file).issues.map(formatIssue)).toEqual([printed(file)]);
});

// Each case: a file and every problem it has, each matched on the fields it names.
test.each<{ name: string; yaml: string; issues: Array<Partial<Record<keyof ConfigIssue, unknown>>> }>([
  {
    name: 'a misspelt nested key is reported with the keys it could be',
    yaml: `delivery:
  maxAtempts: 3
  retryForever: true
`,
    issues: [
      { line: 2, col: 3, path: 'delivery.maxAtempts', message: 'unknown key "maxAtempts"', hint: 'did you mean "maxAttempts"?' },
      {
        line: 3,
        col: 3,
        path: 'delivery.retryForever',
        hint: expect.stringMatching(/^known keys here: maxAttempts, initialBackoff, maxBackoff, concurrency, /),
      },
    ],
  },
  {
    name: 'a misspelt core key of a plugin entry is caught, even in a disabled entry',
    yaml: `plugins:
  - use: ${LOOPBACK_PATH}
    enabled: false
    alowFrom: ["*"]
`,
    issues: [{ line: 4, col: 5, message: 'unknown key "alowFrom"', hint: 'did you mean "allowFrom"?' }],
  },
  {
    name: 'a repeated key is reported at the repeat, naming the key and the first one',
    yaml: 'nats:\n  prefix: a\n  prefix: b\n',
    issues: [{ line: 3, col: 3, path: 'nats.prefix', message: 'key "prefix" is written twice in this block (first on line 2)' }],
  },
  {
    name: 'a file that is not a mapping is refused',
    yaml: '- nats\n- plugins\n',
    issues: [{ line: 1, col: 1, message: 'the file must be a YAML mapping (nats:, http:, plugins: ...)' }],
  },
  {
    name: 'two enabled entries with the same channel and account are refused at the second',
    yaml: `plugins:
  - use: ${LOOPBACK_PATH}
  - use: ${LOOPBACK_PATH}
    account: default
`,
    issues: [
      {
        line: 4,
        col: 14,
        path: 'plugins[1].account',
        message: 'a second enabled "loopback" instance with account "default" (the first is plugins[0])',
        hint: 'give each instance of a channel its own account name',
      },
    ],
  },
])('config - $name', ({ yaml, issues }) => {
  expect(configError(writeConfig(yaml)).issues).toEqual(issues.map((issue) => expect.objectContaining(issue)));
});

test('config - wrong values are reported with what is expected', () => {
  const file = writeConfig(`log:
  level: loud
delivery:
  maxAttempts: many
plugins:
  - use: ${LOOPBACK_PATH}
    account: "bad name"
    groupPolicy: maybe
    sendDelayMs: -5
`);
  const issues = configError(file).issues.map((i) => [`${i.line}:${i.col}`, i.path, i.message, i.hint]);
  expect(issues).toEqual([
    ['2:10', 'log.level', 'must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "loud"', undefined],
    ['4:16', 'delivery.maxAttempts', 'must be a whole number, got "many"', 'a whole number from 1 to 100 (default 6)'],
    [
      '7:14',
      'plugins[0].account',
      'must match pattern "^[A-Za-z0-9_-]{1,64}$", got "bad name"',
      'letters, digits, _ and -, at most 64 characters (it becomes a NATS subject token)',
    ],
    [
      '8:18',
      'plugins[0].groupPolicy',
      'must be one of "mention", "open", "off", got "maybe"',
      'group messages: mention (only when the bot is mentioned), open (all), off (none)',
    ],
    ['9:18', 'plugins[0].sendDelayMs', 'must be at least 0, got -5', 'a whole number of at least 0'],
  ]);
});

test('config - a YAML syntax error is reported at its line', () => {
  const file = writeConfig(`nats:
  prefix: chat
plugins:
  - use: ${LOOPBACK_PATH}
   account: main
`);
  const err = configError(file);
  expect(err.issues).toHaveLength(1);
  expect(err.issues[0]).toMatchObject({
    file,
    line: 5,
    col: 4,
    message: '"account" is not lined up with the list entry above it',
    hint: expect.stringMatching(/^YAML reads structure from indentation: /),
  });
});

test('config - the same account twice is fine when one entry is disabled', () => {
  const file = writeConfig(`plugins:
  - use: ${LOOPBACK_PATH}
  - use: ${LOOPBACK_PATH}
    enabled: false
`);
  expect(load(file).instances.map((i) => i.enabled)).toEqual([true, false]);
});

test('config - every problem of a file is reported together, in file order', () => {
  const file = writeConfig(`nats:
  prefx: chat
http:
  listen: localhost
plugins:
  - use: ${LOOPBACK_PATH}
    groupPolicy: maybe
    sendDelayMS: 1
    token: \${MISSING_TOKEN}
  - use: ./no-such-plugin.js
`);
  const err = configError(file);
  expect(err.code).toBe('E_CONFIG');
  expect(err.issues.map((i) => `${i.line}:${i.path}`)).toEqual([
    '2:nats.prefx',
    '4:http.listen',
    '7:plugins[0].groupPolicy',
    '8:plugins[0].sendDelayMS',
    '9:plugins[0].token',
    '10:plugins[1].use',
  ]);
  expect(err.message.split('\n')[0]).toBe('6 problems in the configuration:');
  expect(err.message).toContain(`${file}:8:5: plugins[0].sendDelayMS: unknown key "sendDelayMS"`);
});

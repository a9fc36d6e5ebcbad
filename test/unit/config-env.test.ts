import { formatIssue } from '../../core/config/issues';
import { LOOPBACK_PATH, writeConfig } from '../support/harness';
import { configError, load } from '../support/config-files';

test('config - ${VAR} and ${VAR:-default} take their values from the environment', () => {
  const file = writeConfig(`nats:
  servers: \${NATS_URL}
  prefix: \${PREFIX:-chat}
  name: \${NAME:-gateway}
log:
  level: \${LOG_LEVEL:-warn}
`);
  const config = load(file, { NATS_URL: 'nats://nats.internal:4222', NAME: 'edge-1', LOG_LEVEL: '' });
  expect(config.nats.servers).toEqual(['nats://nats.internal:4222']);
  expect(config.nats.prefix).toBe('chat');
  expect(config.nats.name).toBe('edge-1');
  // Set but empty takes the default, as in a POSIX shell.
  expect(config.log.level).toBe('warn');
});

test('config - $$ is a literal dollar sign and stops a reference', () => {
  const file = writeConfig(`plugins:
  - use: ${LOOPBACK_PATH}
    token: "pa$$word"
    failStart: "$\${NOT_A_VAR}"
`);
  expect(load(file).instances[0]!.options).toEqual({ token: 'pa$word', failStart: '${NOT_A_VAR}' });
});

test('config - a variable inside a longer value is substituted in place', () => {
  const file = writeConfig(`nats:
  servers: nats://\${NATS_HOST}:\${NATS_PORT:-4222},nats://backup:4222
`);
  expect(load(file, { NATS_HOST: 'n1' }).nats.servers).toEqual(['nats://n1:4222', 'nats://backup:4222']);
});

test('config - an unset secret is reported at its line:col with how to set it, and no default is suggested for it', () => {
  const file = writeConfig(`plugins:
  - use: ${LOOPBACK_PATH}
    token: \${LB_TOKEN}
`);
  const err = configError(file);
  expect(err.issues).toEqual([
    {
      file,
      line: 3,
      col: 12,
      path: 'plugins[0].token',
      message: 'environment variable LB_TOKEN is not set',
      hint: "set LB_TOKEN in the gateway's environment (export LB_TOKEN=..., or an .env file next to compose.yaml); keep the secret itself out of the config file",
    },
  ]);
  expect(formatIssue(err.issues[0]!)).toBe(
    `${file}:3:12: plugins[0].token: environment variable LB_TOKEN is not set\n    hint: set LB_TOKEN in the gateway's environment (export LB_TOKEN=..., or an .env file next to compose.yaml); keep the secret itself out of the config file`,
  );
});

test('config - an unset variable is reported once, not also as the invalid value it leaves', () => {
  const file = writeConfig(`nats:
  prefix: \${PREFIX}
`);
  expect(configError(file).issues.map((i) => i.message)).toEqual(['environment variable PREFIX is not set']);
});

test('config - unset variables of a disabled entry are not reported', () => {
  const file = writeConfig(`plugins:
  - use: ${LOOPBACK_PATH}
    account: off-duty
    enabled: false
    token: \${UNSET_TOKEN}
  - use: ${LOOPBACK_PATH}
`);
  expect(load(file).instances.map((i) => [i.account, i.enabled])).toEqual([
    ['off-duty', false],
    ['default', true],
  ]);
});

test('config - a malformed reference is reported with the syntax to use', () => {
  const file = writeConfig(`plugins:
  - use: ${LOOPBACK_PATH}
    token: \${BAD-NAME}
    failStart: "\${UNCLOSED"
`);
  expect(configError(file).issues).toEqual([
    expect.objectContaining({
      line: 3,
      col: 12,
      message: 'malformed reference ${BAD-NAME}',
      hint: 'write ${NAME} or ${NAME:-default}; $$ is a literal $',
    }),
    expect.objectContaining({ line: 4, col: 16, message: 'malformed reference ${UNCLOSED' }),
  ]);
});

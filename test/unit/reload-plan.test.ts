import { planReload } from '../../core/runtime/reload-plan';
import { LOOPBACK_PATH, writeConfig } from '../support/harness';
import { load } from '../support/config-files';

const config = (entries: string, top = '') => load(writeConfig(`${top}plugins:\n${entries}`));
const entry = (account: string, extra = '') => `  - use: ${LOOPBACK_PATH}\n    account: ${account}\n${extra}`;
const keys = (plan: ReturnType<typeof planReload>) => ({
  added: plan.added.map((i) => i.account),
  removed: plan.removed,
  restarted: plan.restarted.map((i) => i.account),
  unchanged: plan.unchanged,
  needsRestart: plan.needsRestart,
});

test('reload plan - an unchanged entry stays even when it moved in the list', () => {
  expect(keys(planReload(config(entry('a') + entry('b')), config(entry('b') + entry('a'))))).toEqual({
    added: [],
    removed: [],
    restarted: [],
    unchanged: ['loopback/b', 'loopback/a'],
    needsRestart: [],
  });
});

test('reload plan - a changed option or core key restarts that instance only', () => {
  const before = config(entry('a') + entry('b') + entry('c'));
  const after = config(entry('a', '    sendDelayMs: 5\n') + entry('b', '    allowFrom: ["ou_1"]\n') + entry('c'));
  expect(keys(planReload(before, after))).toMatchObject({ restarted: ['a', 'b'], unchanged: ['loopback/c'] });
});

test('reload plan - a disabled entry counts as removed, an enabled one as added', () => {
  const before = config(entry('a') + entry('b', '    enabled: false\n'));
  const after = config(entry('a', '    enabled: false\n') + entry('b'));
  expect(keys(planReload(before, after))).toMatchObject({ added: ['b'], removed: ['loopback/a'], restarted: [], unchanged: [] });
});

test('reload plan - delivery and lifecycle settings restart every instance; nats and http only need a restart of the process', () => {
  const before = config(entry('a') + entry('b'));
  expect(keys(planReload(before, config(entry('a') + entry('b'), 'delivery:\n  maxAttempts: 2\n')))).toMatchObject({
    restarted: ['a', 'b'],
    needsRestart: [],
  });
  expect(keys(planReload(before, config(entry('a') + entry('b'), 'lifecycle:\n  stopTimeout: 1s\n')))).toMatchObject({
    restarted: ['a', 'b'],
  });
  expect(
    keys(
      planReload(before, config(entry('a') + entry('b'), 'nats:\n  prefix: other\nhttp:\n  listen: 127.0.0.1:9999\nlog:\n  level: warn\n')),
    ),
  ).toEqual({ added: [], removed: [], restarted: [], unchanged: ['loopback/a', 'loopback/b'], needsRestart: ['nats', 'http'] });
});

import { Kit } from './kit';
import { actions } from './suite-actions';
import { access, manifestAndLifecycle, relay, type Section } from './suites';
import type { ConformanceOptions, TestHooks } from './types';

/**
 * Registers the conformance tests of a channel plugin with the test framework (jest, vitest or mocha
 * globals, or `hooks`). They run the real gateway on a real NATS with the plugin from its manifest and
 * drive the platform through `platform`: start and stop, status, inbound envelopes, redelivery dedup,
 * outbound delivery with platform ids, retryable and permanent failures, access rules, and buttons
 * (a click and an edit of the message) where the plugin has them and the driver can click.
 */
export function runConformance(opts: ConformanceOptions): void {
  const hooks = opts.hooks ?? globalHooks();
  const kit = new Kit(opts);
  const testMs = opts.timeouts?.testMs ?? 30_000;
  const section: Section = {
    kit,
    hooks,
    testMs,
    test: (name, fn) => hooks.test(name, fn, testMs),
    skip: (name, why) => hooks.skip?.(`${name} (skipped: ${why})`),
  };
  hooks.describe(opts.title ?? `conformance - ${opts.plugin?.name ?? 'plugin'}`, () => {
    hooks.beforeAll(() => kit.setUp(), testMs);
    hooks.afterAll(() => kit.tearDown(), testMs);
    manifestAndLifecycle(section);
    relay(section);
    access(section);
    actions(section);
  });
}

type Fn = (...args: never[]) => unknown;

/** The test framework's globals: jest and vitest (`test`, `beforeAll`), mocha (`it`, `before`). */
function globalHooks(): TestHooks {
  const g = globalThis as unknown as Record<string, (Fn & { skip?: Fn }) | undefined>;
  const describe = g.describe;
  const test = g.test ?? g.it;
  const beforeAll = g.beforeAll ?? g.before;
  const afterAll = g.afterAll ?? g.after;
  if (!describe || !test || !beforeAll || !afterAll) {
    throw new Error(
      'runConformance: no test framework found (globals describe, test, beforeAll, afterAll): run it under jest, vitest or mocha, or pass `hooks`',
    );
  }
  const skip = test.skip;
  return {
    describe: describe as TestHooks['describe'],
    test: test as TestHooks['test'],
    beforeAll: beforeAll as TestHooks['beforeAll'],
    afterAll: afterAll as TestHooks['afterAll'],
    ...(skip ? { skip: (name: string) => void (skip as (n: string, f: () => void) => void)(name, () => undefined) } : {}),
  };
}

import { GatewayError } from '../../core/errors';
import { LOOPBACK_PATH, loopback, loopbackConfig, startGateway } from '../support';
import { startNats, uniquePrefix, type TestNats } from '../support/nats-server';

let nats: TestNats;

// Not the fixture: its client would need the password too, and these tests are about the gateway's own connection.
beforeAll(async () => {
  nats = await startNats({ own: true, args: ['--user', 'gateway', '--pass', 'n4ts-pa55'] });
});
afterAll(async () => {
  await nats.close();
});

const config = (auth: string) =>
  loopbackConfig(nats.url, uniquePrefix(), `  - use: ${LOOPBACK_PATH}\n`).replace('  autoStart: false\n', `  autoStart: false\n${auth}`);

test('nats - user and password from the config (and the environment) authenticate', async () => {
  const run = await startGateway(config('  user: gateway\n  pass: ${NATS_PASS}\n'), { NATS_PASS: 'n4ts-pa55' });
  try {
    const hello = { messageId: 'a1', sender: { id: 'u' }, parts: [{ type: 'text' as const, text: 'hi' }] };
    expect((await loopback.get().receive({ ...hello, conversation: { id: 'c', type: 'direct' } })).outcome).toBe('stored');
    expect(run.logs.raw.join('\n')).not.toContain('n4ts-pa55');
  } finally {
    await run.gateway.stop();
  }
});

test('nats - a wrong password stops start-up with E_NATS and a hint', async () => {
  const err = await startGateway(config('  user: gateway\n  pass: wrong\n')).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GatewayError);
  expect((err as GatewayError).code).toBe('E_NATS');
  expect((err as GatewayError).message).toMatch(/cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: .*[Aa]uthorization/);
  expect((err as GatewayError).hint).toContain('credentials');
});

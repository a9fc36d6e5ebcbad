import { configIssues } from '../../support/config-files';
import { eventually, loopbackConfig } from '../../support';
import { bootFeishu, feishuEntry, newApp, textEvent } from '../../support/feishu';
import { useGatewayTest } from '../../support/fixture';
import { uniquePrefix } from '../../support/nats-server';

const t = useGatewayTest({ emulator: 'feishu' });

test('feishu lifecycle - an app id the SDK would silently refuse is a config error with a hint', () => {
  const issues = configIssues(`plugins:\n  - use: feishu\n    appId: cli_a1b2c3d4e5f6g7h8\n    appSecret: s\n`);
  expect(issues).toHaveLength(1);
  expect(issues[0]).toMatchObject({ line: 3, col: 12, path: 'plugins[0].appId' });
  expect(issues[0]!.message).toContain('not a Feishu app id');
  expect(issues[0]!.hint).toContain('cli_ followed by 16 hex characters');
});

test('feishu lifecycle - appSecret is required and typos in Feishu keys are caught', () => {
  const issues = configIssues(`plugins:\n  - use: feishu\n    appId: cli_0123456789abcdef\n    encrypKey: x\n`);
  expect(issues.map((i) => i.message)).toEqual(expect.arrayContaining(['missing required key "appSecret"', 'unknown key "encrypKey"']));
  expect(issues.find((i) => i.message.startsWith('unknown'))).toMatchObject({ line: 4, hint: 'did you mean "encryptKey"?' });
});

test('feishu lifecycle - a wrong secret fails the instance with the reason; the other app keeps serving', async () => {
  const good = newApp(t.emu);
  const bad = { ...newApp(t.emu), appSecret: 'not-the-secret' };
  const entries = feishuEntry(t.emu.url, good, '    allowFrom: ["*"]\n', 'sales') + feishuEntry(t.emu.url, bad, '', 'ops');
  const gw = await t.boot(loopbackConfig(t.nats.url, uniquePrefix(), entries));
  const failed = gw.statuses.items.find((s) => s.account === 'ops' && s.state === 'failed');
  expect(failed?.detail).toMatch(/10014.*check appId and appSecret/);
  await t.emu.waitForConnections(good.appId, 1);
  await t.emu.pushEvent(good.appId, textEvent(t.emu, good, 'still here', { chatId: 'oc_1', senderOpenId: 'ou_1' }));
  const [env] = await gw.inbox.waitFor(1);
  expect(env).toMatchObject({ account: 'sales', message: { text: 'still here' } });
  expect(gw.logs.raw.join('\n')).not.toContain(good.appSecret);
});

test('feishu lifecycle - two accounts in one gateway each send with their own app', async () => {
  const a = newApp(t.emu);
  const b = newApp(t.emu);
  const gw = await t.boot(
    loopbackConfig(t.nats.url, uniquePrefix(), feishuEntry(t.emu.url, a, '', 'a') + feishuEntry(t.emu.url, b, '', 'b')),
  );
  gw.publish('feishu.a', { id: 'to-a', conversation: { id: 'oc_x' }, text: 'from a' });
  gw.publish('feishu.b', { id: 'to-b', conversation: { id: 'oc_x' }, text: 'from b' });
  await gw.receipts.waitFor(2);
  expect(t.emu.sent.find((s) => s.uuid === 'to-a')?.appId).toBe(a.appId);
  expect(t.emu.sent.find((s) => s.uuid === 'to-b')?.appId).toBe(b.appId);
});

test('feishu lifecycle - stop closes the long connection and reports stopped', async () => {
  const { app, gw } = await bootFeishu(t, '');
  await gw.stop();
  await eventually(() => t.emu.connections(app.appId) === 0, 'connection closed');
  await eventually(() => gw.statuses.items.at(-1)?.state === 'stopped', 'stopped status');
});

test('feishu lifecycle - the long-connection limit fails the instance with the reason', async () => {
  const app = newApp(t.emu);
  t.emu.setConnectionLimit(app.appId, 0, 'endpoint');
  const gw = await t.boot(loopbackConfig(t.nats.url, uniquePrefix(), feishuEntry(t.emu.url, app)));
  const ready = await gw.readyz();
  expect(ready.ready).toBe(false);
  expect(ready.instances['feishu/default']!.error).toMatch(/1000040350.*long connections per app/);
});

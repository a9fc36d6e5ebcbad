import { configIssues } from '../../support/config-files';
import { eventually, loopbackConfig, pluginEntry } from '../../support';
import { useGatewayTest } from '../../support/fixture';
import { uniquePrefix } from '../../support/nats-server';
import { slackConfig, workspace } from '../../support/slack';

const t = useGatewayTest({ emulator: 'slack' });

test('slack lifecycle - swapped or wrong tokens are config errors that say which token is which', () => {
  const issues = configIssues(`plugins:\n  - use: slack\n    appToken: xoxb-1-2-abc\n    botToken: xapp-1-A1-2-def\n`);
  expect(issues).toHaveLength(2);
  expect(issues[0]).toMatchObject({ line: 3, path: 'plugins[0].appToken' });
  expect(issues[0]!.message).toBe('appToken is a Bot User OAuth Token (xoxb-...), not xapp-...');
  expect(issues[0]!.hint).toContain('App-Level Token with the connections:write scope');
  expect(issues[1]).toMatchObject({ line: 4, path: 'plugins[0].botToken' });
  expect(issues[1]!.message).toBe('botToken is an App-Level Token (xapp-...), not xoxb-...');
  expect(issues[1]!.hint).toContain('Bot User OAuth Token from OAuth & Permissions');
});

test('slack lifecycle - botToken is required, a user token is refused and typos in Slack keys are caught', () => {
  expect(configIssues(`plugins:\n  - use: slack\n    appToken: xapp-1\n`).map((i) => i.message)).toEqual([
    'missing required key "botToken"',
  ]);
  const issues = configIssues(`plugins:\n  - use: slack\n    appToken: xapp-1\n    botToken: xoxp-123\n    replyInThred: false\n`);
  expect(issues.find((i) => i.message.startsWith('unknown'))).toMatchObject({ line: 5, hint: 'did you mean "replyInThread"?' });
  expect(configIssues(`plugins:\n  - use: slack\n    appToken: xapp-1\n    botToken: xoxp-123\n`)[0]!.message).toBe(
    'botToken is a User OAuth Token (xoxp-...), not xoxb-...',
  );
});

test('slack lifecycle - a bot token Slack refuses fails the instance with the reason; the other account keeps serving', async () => {
  const good = workspace(t.emu);
  const { appToken, botToken } = good.app;
  const apiUrl = t.emu.apiUrl;
  const entries =
    pluginEntry('slack', { account: 'sales', appToken, botToken, apiUrl }, '    allowFrom: ["*"]\n') +
    pluginEntry('slack', { account: 'ops', appToken, botToken: 'xoxb-0000-0000-notarealtoken', apiUrl });
  const gw = await t.boot(loopbackConfig(t.nats.url, uniquePrefix(), entries));
  const failed = gw.statuses.items.find((s) => s.account === 'ops' && s.state === 'failed');
  expect(failed?.detail).toBe(
    'Slack refused the bot token (invalid_auth): check botToken, the Bot User OAuth Token (xoxb-...) under OAuth & Permissions; reinstall the app if it was removed',
  );
  expect((await gw.readyz()).instances['slack/ops']!.error).toContain('check botToken');
  await t.emu.waitForConnections(good.app.appId, 1);
  t.emu.post({ channel: good.dm, user: good.tom.id, text: 'still here' });
  const [env] = await gw.inbox.waitFor(1);
  expect(env).toMatchObject({ account: 'sales', message: { text: 'still here' } });
  const logs = gw.logs.raw.join('\n');
  expect(logs).not.toContain(good.app.botToken);
  expect(logs).not.toContain(good.app.appToken);
});

test('slack lifecycle - an app-level token Slack refuses fails the instance, naming appToken', async () => {
  const { app } = workspace(t.emu);
  const gw = await t.boot(
    slackConfig(t.nats.url, uniquePrefix(), t.emu.apiUrl, { appToken: 'xapp-1-A000-1-nottherealone', botToken: app.botToken }),
  );
  const ready = await gw.readyz();
  expect(ready.ready).toBe(false);
  expect(ready.instances['slack/default']!.error).toMatch(/^Slack refused the app-level token \(invalid_auth\): check appToken/);
  expect(t.emu.connections(app.appId)).toBe(0);
});

test('slack lifecycle - an unreachable Slack fails the start with the URL it tried', async () => {
  const { app } = workspace(t.emu);
  const url = t.emu.apiUrl;
  await t.emu.stop();
  const gw = await t.boot(slackConfig(t.nats.url, uniquePrefix(), url, app));
  expect((await gw.readyz()).instances['slack/default']!.error).toContain(`cannot reach the Slack Web API at ${url}`);
});

test('slack lifecycle - a token revoked while connected: reconnects fail with the reason, the process stays up', async () => {
  const { app } = workspace(t.emu);
  const gw = await t.boot(slackConfig(t.nats.url, uniquePrefix(), t.emu.apiUrl, app));
  await t.emu.waitForConnections(app.appId, 1);
  t.emu.revokeToken(app.appToken);
  t.emu.disconnect(app.appId, 'link_disabled');
  await eventually(() => gw.statuses.items.some((s) => s.state === 'failed'), 'failed status');
  expect(gw.statuses.items.find((s) => s.state === 'failed')!.detail).toContain('Slack refused the app-level token (token_revoked)');
  expect(gw.statuses.items.find((s) => s.state === 'reconnecting')!.detail).toContain('link_disabled');
});

test('slack lifecycle - stop closes the Socket Mode connection and reports stopped', async () => {
  const { app } = workspace(t.emu);
  const gw = await t.boot(slackConfig(t.nats.url, uniquePrefix(), t.emu.apiUrl, app));
  await t.emu.waitForConnections(app.appId, 1);
  // A stop while core is still taking the outbound lease leaves core's consumer running (reported); wait for it.
  await eventually(() => gw.logs.messages().some((m) => m.startsWith('outbound lease acquired')), 'outbound lease taken');
  const started = Date.now();
  await gw.stop();
  expect(Date.now() - started).toBeLessThan(3000);
  await eventually(() => t.emu.connections(app.appId) === 0, 'connection closed');
  await eventually(() => gw.statuses.items.at(-1)?.state === 'stopped', 'stopped status');
});

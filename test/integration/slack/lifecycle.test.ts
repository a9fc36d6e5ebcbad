import type { NatsConnection } from '@nats-io/transport-node';
import type { InboundEnvelope } from '../../../core/contract/schemas';
import { ConfigError } from '../../../core/config/issues';
import { loadConfig } from '../../../core/config/load';
import type { SlackEmulator } from '../../emulators/slack';
import { Collector, client, eventually, loopbackConfig, startGateway, writeConfig, type Started } from '../../support';
import { startNats, uniquePrefix, type TestNats } from '../../support/nats-server';
import { slackConfig, startEmulator, workspace } from './setup';

let nats: TestNats;
let nc: NatsConnection;
let emu: SlackEmulator;
let run: Started | undefined;

beforeAll(async () => {
  nats = await startNats();
  nc = await client(nats.url);
});
beforeEach(async () => {
  emu = await startEmulator();
});
afterEach(async () => {
  await run?.gateway.stop();
  run = undefined;
  await emu.stop();
});
afterAll(async () => {
  await nc.close();
  await nats.close();
});

function issuesOf(yaml: string) {
  try {
    loadConfig(writeConfig(yaml), { env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
}

async function readyz(): Promise<{ ready: boolean; instances: Record<string, { error?: string }> }> {
  return (await (await fetch(`${run!.gateway.http.url}/readyz`)).json()) as never;
}

test('slack lifecycle - swapped or wrong tokens are config errors that say which token is which', () => {
  const issues = issuesOf(`plugins:\n  - use: slack\n    appToken: xoxb-1-2-abc\n    botToken: xapp-1-A1-2-def\n`);
  expect(issues).toHaveLength(2);
  expect(issues[0]).toMatchObject({ line: 3, path: 'plugins[0].appToken' });
  expect(issues[0]!.message).toBe('appToken is a Bot User OAuth Token (xoxb-...), not xapp-...');
  expect(issues[0]!.hint).toContain('App-Level Token with the connections:write scope');
  expect(issues[1]).toMatchObject({ line: 4, path: 'plugins[0].botToken' });
  expect(issues[1]!.message).toBe('botToken is an App-Level Token (xapp-...), not xoxb-...');
  expect(issues[1]!.hint).toContain('Bot User OAuth Token from OAuth & Permissions');
});

test('slack lifecycle - botToken is required, a user token is refused and typos in Slack keys are caught', () => {
  expect(issuesOf(`plugins:\n  - use: slack\n    appToken: xapp-1\n`).map((i) => i.message)).toEqual(['missing required key "botToken"']);
  const issues = issuesOf(`plugins:\n  - use: slack\n    appToken: xapp-1\n    botToken: xoxp-123\n    replyInThred: false\n`);
  expect(issues.find((i) => i.message.startsWith('unknown'))).toMatchObject({ line: 5, hint: 'did you mean "replyInThread"?' });
  expect(issuesOf(`plugins:\n  - use: slack\n    appToken: xapp-1\n    botToken: xoxp-123\n`)[0]!.message).toBe(
    'botToken is a User OAuth Token (xoxp-...), not xoxb-...',
  );
});

test('slack lifecycle - a bot token Slack refuses fails the instance with the reason; the other account keeps serving', async () => {
  const good = workspace(emu);
  const prefix = uniquePrefix();
  const statuses = new Collector<{ account: string; state: string; detail?: string }>(nc, `${prefix}.status.>`);
  const inbox = new Collector<InboundEnvelope>(nc, `${prefix}.in.>`);
  await nc.flush();
  run = await startGateway(
    loopbackConfig(
      nats.url,
      prefix,
      `  - use: slack
    account: sales
    appToken: ${good.app.appToken}
    botToken: ${good.app.botToken}
    apiUrl: ${emu.apiUrl}
    allowFrom: ["*"]
  - use: slack
    account: ops
    appToken: ${good.app.appToken}
    botToken: xoxb-0000-0000-notarealtoken
    apiUrl: ${emu.apiUrl}
`,
    ),
  );
  const failed = statuses.items.find((s) => s.account === 'ops' && s.state === 'failed');
  expect(failed?.detail).toBe(
    'Slack refused the bot token (invalid_auth): check botToken, the Bot User OAuth Token (xoxb-...) under OAuth & Permissions; reinstall the app if it was removed',
  );
  expect((await readyz()).instances['slack/ops']!.error).toContain('check botToken');
  await emu.waitForConnections(good.app.appId, 1);
  emu.post({ channel: good.dm, user: good.tom.id, text: 'still here' });
  const [env] = await inbox.waitFor(1);
  expect(env).toMatchObject({ account: 'sales', message: { text: 'still here' } });
  const logs = run.logs.raw.join('\n');
  expect(logs).not.toContain(good.app.botToken);
  expect(logs).not.toContain(good.app.appToken);
  statuses.close();
  inbox.close();
});

test('slack lifecycle - an app-level token Slack refuses fails the instance, naming appToken', async () => {
  const { app } = workspace(emu);
  run = await startGateway(
    slackConfig(nats.url, uniquePrefix(), emu.apiUrl, { appToken: 'xapp-1-A000-1-nottherealone', botToken: app.botToken }),
  );
  const ready = await readyz();
  expect(ready.ready).toBe(false);
  expect(ready.instances['slack/default']!.error).toMatch(/^Slack refused the app-level token \(invalid_auth\): check appToken/);
  expect(emu.connections(app.appId)).toBe(0);
});

test('slack lifecycle - an unreachable Slack fails the start with the URL it tried', async () => {
  const { app } = workspace(emu);
  const url = emu.apiUrl;
  await emu.stop();
  run = await startGateway(slackConfig(nats.url, uniquePrefix(), url, app));
  expect((await readyz()).instances['slack/default']!.error).toContain(`cannot reach the Slack Web API at ${url}`);
  emu = await startEmulator();
});

test('slack lifecycle - a token revoked while connected: reconnects fail with the reason, the process stays up', async () => {
  const { app } = workspace(emu);
  const prefix = uniquePrefix();
  const statuses = new Collector<{ state: string; detail?: string }>(nc, `${prefix}.status.slack.default`);
  await nc.flush();
  run = await startGateway(slackConfig(nats.url, prefix, emu.apiUrl, app));
  await emu.waitForConnections(app.appId, 1);
  emu.revokeToken(app.appToken);
  emu.disconnect(app.appId, 'link_disabled');
  await eventually(() => statuses.items.some((s) => s.state === 'failed'), 'failed status');
  expect(statuses.items.find((s) => s.state === 'failed')!.detail).toContain('Slack refused the app-level token (token_revoked)');
  expect(statuses.items.find((s) => s.state === 'reconnecting')!.detail).toContain('link_disabled');
  statuses.close();
});

test('slack lifecycle - stop closes the Socket Mode connection and reports stopped', async () => {
  const { app } = workspace(emu);
  const prefix = uniquePrefix();
  const statuses = new Collector<{ state: string }>(nc, `${prefix}.status.>`);
  await nc.flush();
  run = await startGateway(slackConfig(nats.url, prefix, emu.apiUrl, app));
  await emu.waitForConnections(app.appId, 1);
  // A stop while core is still taking the outbound lease leaves core's consumer running (reported); wait for it.
  await eventually(() => run!.logs.messages().some((m) => m.startsWith('outbound lease acquired')), 'outbound lease taken');
  const started = Date.now();
  await run.gateway.stop();
  run = undefined;
  expect(Date.now() - started).toBeLessThan(3000);
  await eventually(() => emu.connections(app.appId) === 0, 'connection closed');
  await eventually(() => statuses.items.at(-1)?.state === 'stopped', 'stopped status');
  statuses.close();
});

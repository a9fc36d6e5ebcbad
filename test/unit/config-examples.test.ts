import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../core/config/load';

const ROOT = resolve(__dirname, '../..');
const ENV = {
  FEISHU_ENABLED: 'true',
  FEISHU_APP_ID: 'cli_0123456789abcdef',
  FEISHU_APP_SECRET: 'secret',
  FEISHU_ENCRYPT_KEY: 'ekey',
  FEISHU_VERIFICATION_TOKEN: 'vtok',
  SLACK_APP_TOKEN: 'xapp-1-A0-1-abc',
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  TELEGRAM_BOT_TOKEN: '123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr',
  DINGTALK_CLIENT_ID: 'dingabcdefghijklmnop',
  DINGTALK_CLIENT_SECRET: 'secret',
  WECOM_BOT_ID: 'aibabcdefghijklmnop',
  WECOM_BOT_SECRET: 'secret',
  DISCORD_BOT_TOKEN: 'MTAxMjM0NTY3ODkwMTIzNDU2Nzg5.GAbCdE.abcdefghijklmnopqrstuvwxyz0123456789AB',
};

// Gateway configs only: monitoring/ holds the Grafana dashboard and alert rules (checked in test/integration/observability),
// *.conf are NATS server configs (checked in test/integration/cluster).
const files = [
  'config/gateway.yaml',
  ...readdirSync(join(ROOT, 'config/examples'), { withFileTypes: true })
    .filter((f) => f.isFile() && !f.name.endsWith('.conf'))
    .map((f) => `config/examples/${f.name}`),
];

test.each(files)('config - the shipped example %s is valid', (file) => {
  const config = loadConfig(join(ROOT, file), { env: ENV });
  expect(config.instances.length).toBeGreaterThan(0);
});

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { GatewayConfigSchema } from '../../core/config/schema';
import { configError, load } from '../support/config-files';
import { writeConfig } from '../support/harness';

test('config - metrics defaults: per channel, sampled every 15 s, 10 top accounts', () => {
  expect(load(writeConfig('plugins: []\n')).metrics).toEqual({ perAccount: false, sampleInterval: 15_000, topAccounts: 10 });
  expect(load(writeConfig('metrics:\n  perAccount: true\n  sampleInterval: 2s\n  topAccounts: 0\n')).metrics).toEqual({
    perAccount: true,
    sampleInterval: 2000,
    topAccounts: 0,
  });
});

test('config - a wrong metrics key or value names the key and what it takes', () => {
  const issues = configError(writeConfig('metrics:\n  perAcount: true\n  sampleInterval: often\n  topAccounts: 500\n')).issues;
  expect(issues).toEqual([
    expect.objectContaining({ path: 'metrics.perAcount', message: 'unknown key "perAcount"', hint: 'did you mean "perAccount"?' }),
    expect.objectContaining({ path: 'metrics.sampleInterval' }),
    expect.objectContaining({ path: 'metrics.topAccounts' }),
  ]);
});

test('config - every metrics key is documented in docs/configuration.md', () => {
  const doc = readFileSync(resolve(__dirname, '../../docs/configuration.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## `metrics`'), doc.indexOf('\n## ', doc.indexOf('## `metrics`') + 1));
  for (const key of Object.keys(GatewayConfigSchema.properties.metrics.properties)) expect(section).toContain(`| \`${key}\` |`);
});

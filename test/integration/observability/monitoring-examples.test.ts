import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { LOOPBACK_PATH, loopbackConfig, startGateway, type Started } from '../../support';
import { startNats, uniquePrefix, type TestNats } from '../../support/nats-server';
import { scrape, type Family } from './exposition';

const DIR = resolve(__dirname, '../../../config/examples/monitoring');

/** Series Prometheus makes itself rather than scraping them. */
const PROMETHEUS_OWN = new Set(['up']);
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression reads: what is left once strings, label matchers, grouping
 * clauses, ranges, Grafana variables, numbers and function calls are taken out.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names: string[] = [];
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?/g)) {
    if (m[1]) continue; // a function
    if (!KEYWORDS.has(m[0].toLowerCase())) names.push(m[0]);
  }
  return names;
}

function balanced(expr: string): boolean {
  const pairs: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  const stack: string[] = [];
  for (const c of expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if ('({['.includes(c)) stack.push(c);
    else if (c in pairs && stack.pop() !== pairs[c]) return false;
  }
  return stack.length === 0;
}

/** Every `expr` of the dashboard's panels and every query of its variables. */
function dashboardExprs(): Array<{ where: string; expr: string }> {
  const dash = JSON.parse(readFileSync(join(DIR, 'grafana-dashboard.json'), 'utf8')) as {
    panels: Array<{ title: string; type: string; targets?: Array<{ expr: string }> }>;
    templating: { list: Array<{ name: string; type: string; query: unknown }> };
  };
  const out = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })));
  for (const v of dash.templating.list.filter((v) => v.type === 'query')) {
    const q = (v.query as { query: string }).query;
    out.push({ where: `variable ${v.name}`, expr: q.replace(/^label_values\((.*),\s*\w+\)$/, '$1') });
  }
  return out;
}

function alertExprs(): Array<{ where: string; expr: string }> {
  const rules = parse(readFileSync(join(DIR, 'prometheus-alerts.yaml'), 'utf8')) as {
    groups: Array<{ rules: Array<{ alert: string; expr: string; for?: string; annotations?: Record<string, string> }> }>;
  };
  return rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })));
}

let nats: TestNats;
let run: Started;
let families: Map<string, Family>;

beforeAll(async () => {
  nats = await startNats();
  run = await startGateway(loopbackConfig(nats.url, uniquePrefix(), `  - use: ${LOOPBACK_PATH}\n`));
  families = await scrape(run.gateway.http.url);
});
afterAll(async () => {
  await run?.gateway.stop();
  await nats.close();
});

/** Whether `/metrics` serves the name: a family, or a histogram's `_bucket`, `_sum` or `_count`. */
function served(name: string): boolean {
  if (families.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && families.get(base)?.type === 'histogram';
}

test('monitoring examples - the expression reader finds the metric names, not functions, labels or variables', () => {
  expect(
    metricNames(
      'histogram_quantile(0.95, sum by (le, channel) (rate(chat_gateway_outbound_latency_seconds_bucket{channel=~"$channel"}[$__rate_interval])))',
    ),
  ).toEqual(['chat_gateway_outbound_latency_seconds_bucket']);
  expect(metricNames('sum(a{x="y"}) / ignoring(code) group_left sum by (c) (b) > 0.05 or vector(0)')).toEqual(['a', 'b']);
  expect(metricNames('up{job="chat-gateway"} == 0')).toEqual(['up']);
});

test.each([...dashboardExprs(), ...alertExprs()])('monitoring examples - $where reads only series /metrics serves', ({ expr }) => {
  expect(balanced(expr)).toBe(true);
  const names = metricNames(expr);
  expect(names.length).toBeGreaterThan(0);
  expect(names.filter((n) => !PROMETHEUS_OWN.has(n) && !served(n))).toEqual([]);
});

test('monitoring examples - the alerts cover instance down, queue age, failing receipts and NATS disconnected', () => {
  const byAlert = Object.fromEntries(alertExprs().map((a) => [a.where, a.expr]));
  expect(byAlert['alert ChatGatewayDown']).toContain('up{');
  expect(byAlert['alert ChatGatewayInstanceDown']).toContain('chat_gateway_instances');
  expect(byAlert['alert ChatGatewayOutboundQueueBehind']).toContain('chat_gateway_outbound_queue_oldest_seconds');
  expect(byAlert['alert ChatGatewayReceiptsFailing']).toContain('chat_gateway_receipts_total{result="failed"}');
  expect(byAlert['alert ChatGatewayNatsDisconnected']).toContain('chat_gateway_nats_connected');
});

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { LOOPBACK_PATH, loopbackConfig } from '../support';
import { useGatewayTest } from '../support/fixture';
import { uniquePrefix } from '../support/nats-server';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the screenshots go, to look at what the page shows. */
const OUTPUT = resolve(__dirname, '../../test-output');

const t = useGatewayTest();
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  t.defer(() => browser.close());
  mkdirSync(OUTPUT, { recursive: true });
}, 60_000);

test('status page - shows every instance with its state, the failed one with its reason and what to check, and links the chat page; it updates live; the admin token guards it', async () => {
  const gw = await t.boot(
    loopbackConfig(
      t.nats.url,
      uniquePrefix(),
      `  - use: webchat\n  - use: ${LOOPBACK_PATH}\n    account: broken\n    failStart: "cannot reach api.example.com (ENOTFOUND)"\n`,
    )
      .replace('restartDelay: 100ms', 'restartDelay: 1m')
      .replace('http:\n  listen: 127.0.0.1:0\n', 'http:\n  listen: 127.0.0.1:0\n  adminToken: s3cret-admin\n'),
  );
  const base = gw.gateway.http.url;
  expect((await fetch(`${base}/`)).status).toBe(401);
  expect((await fetch(`${base}/metrics`)).status).toBe(401);
  expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer s3cret-admin' } })).status).toBe(200);
  expect((await fetch(`${base}/readyz`)).status).toBe(503);

  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  await page.goto(`${base}/?token=s3cret-admin`);
  const row = (key: string) => page.locator(`tr[data-key="${key}"]`);
  await row('webchat/default').locator('.state.connected').waitFor();
  await row('loopback/broken').locator('.state.failed').waitFor();
  expect(await row('loopback/broken').locator('.detail').innerText()).toContain('cannot reach api.example.com (ENOTFOUND)');
  expect(await row('loopback/broken').locator('.hint').innerText()).toMatch(/DNS, an HTTPS proxy/);
  expect(await page.locator('#replicas').innerText()).toMatch(/^1 replica running: /);
  expect(await page.locator('#pages a').getAttribute('href')).toBe('/webchat/default/');
  const green = await page.evaluate(`getComputedStyle(document.querySelector('tr[data-key="webchat/default"] .state')).backgroundColor`);
  expect(green).toBe('rgb(46, 161, 33)');

  await page.screenshot({ path: join(OUTPUT, 'status-page.png'), fullPage: true });

  // Live, without a reload: the broken entry removed from the file turns stale; a second replica shows up.
  writeFileSync(gw.file, readFileSync(gw.file, 'utf8').replace(/  - use: \S+loopback-plugin\.ts\n    account: broken\n.*\n/, ''));
  expect(await gw.gateway.reloadFromFile('test')).toMatchObject({ ok: true, summary: { removed: ['loopback/broken'] } });
  await row('loopback/broken').locator('.state.stale').waitFor();
  await t.bootFile(gw.file);
  await page.locator('#replicas', { hasText: '2 replicas running' }).waitFor();
  await row('webchat/default').locator('.state.connected').waitFor();
  expect(problems).toEqual([]);
});

import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startEchoAgent } from '../../examples/echo-agent';
import { loopbackConfig } from '../support';
import { useGatewayTest } from '../support/fixture';
import { uniquePrefix } from '../support/nats-server';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const t = useGatewayTest();
let browser: Browser;
let pageUrl: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  const gw = await t.boot(loopbackConfig(t.nats.url, uniquePrefix(), '  - use: webchat\n    title: Data Assistant\n'));
  t.defer(await startEchoAgent({ servers: t.nats.url, prefix: gw.prefix, log: () => undefined }));
  pageUrl = `${gw.gateway.http.url}/webchat/default/`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  t.defer(() => browser.close());
}, 60_000);

test('webchat browser - a visitor sends a message, sees the echo answer, and keeps the conversation after a reload', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(pageUrl);
  await expectText(page, '#status', 'online');
  await page.fill('#input', 'how many new customers this week?');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=agent-message]:has-text("echo: how many new customers this week?")', { timeout: 10_000 });
  await page.reload();
  await expectText(page, '#status', 'online');
  const mine = await page.locator('[data-testid=visitor-message]').allTextContents();
  const answers = await page.locator('[data-testid=agent-message]').allTextContents();
  expect(mine).toEqual(['how many new customers this week?']);
  expect(answers).toEqual(['echo: how many new customers this week?']);
  expect(problems).toEqual([]);
  await context.close();
}, 60_000);

test('webchat browser - markdown with a <script> renders as text and runs nothing', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(pageUrl);
  await expectText(page, '#status', 'online');
  const attack = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> **bold** [x](javascript:alert(1))';
  await page.fill('#input', attack);
  await page.keyboard.press('Enter');
  const answer = page.locator('[data-testid=agent-message]').last();
  await answer.waitFor({ timeout: 10_000 });
  expect(await answer.textContent()).toBe(
    'echo: <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> bold [x](javascript:alert(1))',
  );
  expect(await answer.locator('strong').textContent()).toBe('bold');
  expect(await answer.locator('script, img, a').count()).toBe(0);
  expect(await page.evaluate('window.__pwned')).toBeUndefined();
  await context.close();
}, 60_000);

async function expectText(page: import('playwright-core').Page, selector: string, text: string): Promise<void> {
  await page.waitForFunction(`document.querySelector(${JSON.stringify(selector)})?.textContent === ${JSON.stringify(text)}`, undefined, {
    timeout: 10_000,
  });
}

import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startEchoAgent } from '../../examples/echo-agent';
import { loopbackConfig } from '../support';
import { useGatewayTest } from '../support/fixture';
import { uniquePrefix } from '../support/nats-server';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const t = useGatewayTest();
let browser: Browser;
let baseUrl: string;
let pageUrl: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  const gw = await t.boot(
    loopbackConfig(
      t.nats.url,
      uniquePrefix(),
      '  - use: webchat\n    title: Data Assistant\n  - use: webchat\n    account: short\n    maxMessageLength: 20\n',
    ),
  );
  t.defer(await startEchoAgent({ servers: t.nats.url, prefix: gw.prefix, log: () => undefined }));
  baseUrl = gw.gateway.http.url;
  pageUrl = `${baseUrl}/webchat/default/`;
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

test('webchat browser - an empty page shows a welcome; each message shows its time; agent bubbles end without extra space', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(pageUrl);
  await expectText(page, '#status', 'online');
  expect(await page.locator('#welcome').isVisible()).toBe(true);
  expect(await page.locator('#input').getAttribute('placeholder')).toBe('Type a message…');
  await page.fill('#input', 'first question');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=agent-message]:has-text("echo: first question")', { timeout: 10_000 });
  expect(await page.locator('#welcome').isVisible()).toBe(false);
  const times = await page.locator('.msg .meta').allTextContents();
  expect(times).toEqual([expect.stringMatching(/^\d\d:\d\d$/), expect.stringMatching(/^\d\d:\d\d$/)]);
  const lastMargin = await page.evaluate("getComputedStyle(document.querySelector('.msg.agent .text').lastElementChild).marginBottom");
  expect(lastMargin).toBe('0px');
  await context.close();
}, 60_000);

test('webchat browser - the length limit shows while typing, and a message over it is not sent', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${baseUrl}/webchat/short/`);
  await expectText(page, '#status', 'online');
  await page.fill('#input', 'twelve chars');
  await expectText(page, '#count', '12 / 20');
  await page.fill('#input', 'x'.repeat(25));
  await expectText(page, '#count', '25 / 20 characters: 5 too many');
  expect(await page.locator('#send').isDisabled()).toBe(true);
  await page.keyboard.press('Enter');
  // Barrier: a message within the limit goes through and is answered; the long one must not be before it.
  await page.fill('#input', 'short one');
  expect(await page.locator('#send').isDisabled()).toBe(false);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=agent-message]:has-text("echo: short one")', { timeout: 10_000 });
  expect(await page.locator('[data-testid=visitor-message]').allTextContents()).toEqual(['short one']);
  await context.close();
}, 60_000);

test('webchat browser - a message the gateway refuses shows why, stops looking pending, and is not sent again on reconnect', async () => {
  const context = await browser.newContext();
  // A message kept from when the limit was higher (the page was open across a config reload), still pending.
  const stale = { role: 'me', id: 'toolong-0001', text: 'x'.repeat(30), pending: true, time: new Date().toISOString() };
  // Records every frame the page sends; seeds the history once (not again on reload).
  await context.addInitScript(`
    window.__sent = [];
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) { window.__sent.push(data); return send.call(this, data); };
    if (!localStorage.getItem('cg-webchat:/webchat/short:history'))
      localStorage.setItem('cg-webchat:/webchat/short:history', ${JSON.stringify(JSON.stringify([stale]))});
  `);
  const page = await context.newPage();
  const sentIds = async () =>
    ((await page.evaluate('window.__sent')) as string[]).map((f) => (JSON.parse(f) as { id: string }).id).filter((id) => id === stale.id);
  await page.goto(`${baseUrl}/webchat/short/`);
  const bubble = page.locator('#m-me-toolong-0001');
  await page.waitForSelector('#m-me-toolong-0001.failed', { timeout: 10_000 });
  expect(await bubble.locator('.meta').textContent()).toBe('Not sent: message is longer than 20 characters');
  expect(await bubble.getAttribute('class')).toBe('msg me failed');
  expect(await sentIds()).toEqual([stale.id]);

  await page.reload();
  await expectText(page, '#status', 'online');
  // Barrier: a new message sent after the reconnect is answered; the refused one was not sent before it.
  await page.fill('#input', 'after reload');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=agent-message]:has-text("echo: after reload")', { timeout: 10_000 });
  expect(await sentIds()).toEqual([]);
  expect(await page.locator('#m-me-toolong-0001 .meta').textContent()).toBe('Not sent: message is longer than 20 characters');
  await context.close();
}, 60_000);

async function expectText(page: import('playwright-core').Page, selector: string, text: string): Promise<void> {
  await page.waitForFunction(`document.querySelector(${JSON.stringify(selector)})?.textContent === ${JSON.stringify(text)}`, undefined, {
    timeout: 10_000,
  });
}

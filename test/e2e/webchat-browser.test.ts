import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { AgentClient } from '../../core/agent';
import { startEchoAgent } from '../../examples/echo-agent';
import { loopbackConfig } from '../support';
import { useGatewayTest } from '../support/fixture';
import { uniquePrefix } from '../support/nats-server';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const SHOTS = join(__dirname, '../../test-output');

const t = useGatewayTest();
let browser: Browser;
let baseUrl: string;
let pageUrl: string;
let prefix: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  const gw = await t.boot(
    loopbackConfig(
      t.nats.url,
      uniquePrefix(),
      '  - use: webchat\n    title: Data Assistant\n  - use: webchat\n    account: short\n    maxMessageLength: 20\n    maxFileBytes: 1000\n',
    ),
  );
  t.defer(await startEchoAgent({ servers: t.nats.url, prefix: gw.prefix, log: () => undefined }));
  baseUrl = gw.gateway.http.url;
  prefix = gw.prefix;
  mkdirSync(SHOTS, { recursive: true });
  pageUrl = `${baseUrl}/webchat/default/`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  t.defer(() => browser.close());
}, 60_000);

test('webchat browser - a visitor sends a message, sees the echo answer, and keeps the conversation after a reload', async () => {
  const page = await newPage();
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await goOnline(page, pageUrl);
  await send(page, 'how many new customers this week?');
  await answered(page, 'echo: how many new customers this week?');
  await page.reload();
  await expectText(page, '#status', 'online');
  const mine = await page.locator('[data-testid=visitor-message]').allTextContents();
  const answers = await page.locator('[data-testid=agent-message]').allTextContents();
  expect(mine).toEqual(['how many new customers this week?']);
  expect(answers).toEqual(['echo: how many new customers this week?']);
  expect(problems).toEqual([]);
}, 60_000);

test('webchat browser - markdown with a <script> renders as text and runs nothing', async () => {
  const page = await openChat();
  const attack = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> **bold** [x](javascript:alert(1))';
  await send(page, attack);
  const answer = page.locator('[data-testid=agent-message]').last();
  await answer.waitFor({ timeout: 10_000 });
  expect(await answer.textContent()).toBe(
    'echo: <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> bold [x](javascript:alert(1))',
  );
  expect(await answer.locator('strong').textContent()).toBe('bold');
  expect(await answer.locator('script, img, a').count()).toBe(0);
  expect(await page.evaluate('window.__pwned')).toBeUndefined();
}, 60_000);

test('webchat browser - an empty page shows a welcome; each message shows its time; agent bubbles end without extra space', async () => {
  const page = await openChat(pageUrl, { viewport: { width: 390, height: 844 } });
  expect(await page.locator('#welcome').isVisible()).toBe(true);
  expect(await page.locator('#input').getAttribute('placeholder')).toBe('Type a message…');
  await send(page, 'first question');
  await answered(page, 'echo: first question');
  expect(await page.locator('#welcome').isVisible()).toBe(false);
  const times = await page.locator('.msg .meta').allTextContents();
  expect(times).toEqual([expect.stringMatching(/^\d\d:\d\d$/), expect.stringMatching(/^\d\d:\d\d$/)]);
  const lastMargin = await page.evaluate("getComputedStyle(document.querySelector('.msg.agent .text').lastElementChild).marginBottom");
  expect(lastMargin).toBe('0px');
}, 60_000);

test('webchat browser - the length limit shows while typing, and a message over it is not sent', async () => {
  const page = await openChat(`${baseUrl}/webchat/short/`);
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
  await answered(page, 'echo: short one');
  expect(await page.locator('[data-testid=visitor-message]').allTextContents()).toEqual(['short one']);
}, 60_000);

test('webchat browser - a message the gateway refuses shows why, stops looking pending, and is not sent again on reconnect', async () => {
  // A message kept from when the limit was higher (the page was open across a config reload), still pending.
  const stale = { role: 'me', id: 'toolong-0001', text: 'x'.repeat(30), pending: true, time: new Date().toISOString() };
  // Records every frame the page sends; seeds the history once (not again on reload).
  const page = await newPage(`
    window.__sent = [];
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) { window.__sent.push(data); return send.call(this, data); };
    if (!localStorage.getItem('cg-webchat:/webchat/short:history'))
      localStorage.setItem('cg-webchat:/webchat/short:history', ${JSON.stringify(JSON.stringify([stale]))});
  `);
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
  await send(page, 'after reload');
  await answered(page, 'echo: after reload');
  expect(await sentIds()).toEqual([]);
  expect(await page.locator('#m-me-toolong-0001 .meta').textContent()).toBe('Not sent: message is longer than 20 characters');
}, 60_000);

test('webchat browser - a streamed answer fills in live, survives a reload mid-stream, and ends with the final text', async () => {
  const page = await openChat();
  const words = Array.from({ length: 60 }, (_, i) => `word${i + 1}`);
  await send(page, `/stream ${words.join(' ')}`);
  const bubble = page.locator('.msg.agent').last();
  // Live: the bubble shows a few words while it is still streaming, then more.
  await expectText(page, '.msg.agent.streaming', 'word3', 'includes');
  await page.screenshot({ path: join(SHOTS, 'webchat-streaming.png') });
  await expectText(page, '.msg.agent.streaming', 'word6', 'includes');
  const before = (await bubble.locator('.text').textContent())!;
  await page.reload();
  // Right after the reload the bubble is back with at least what was shown before (history, then the gateway's latest frame).
  const again = page.locator('.msg.agent').last();
  expect((await again.locator('.text').textContent())!.startsWith(before)).toBe(true);
  await expectText(page, '#status', 'online');
  await expectText(page, '.msg.agent:last-child .text', `echo: ${words.join(' ')}`, 'is', 20_000);
  expect(await again.getAttribute('class')).toBe('msg agent');
  expect(await page.locator('.msg.agent').count()).toBe(1);
}, 60_000);

test('webchat browser - buttons under a bubble: a click reaches the agent, which edits the bubble', async () => {
  const page = await openChat();
  const agent = await agentClient();
  const clicks = await agent.onAction(
    async (action) => void (await agent.edit(action, `${action.action.value} approved by ${action.sender.name}`)),
  );
  t.defer(() => clicks.stop());
  const receipt = await agent.send('webchat', 'default', {
    conversation: { id: await visitorOf(page) },
    text: 'Deploy v42?',
    actions: [
      { id: 'approve', label: 'Approve', style: 'primary', value: 'v42' },
      { id: 'reject', label: 'Reject', style: 'danger' },
    ],
  });
  expect(receipt.ok).toBe(true);
  await page.waitForSelector('[data-testid=action]:has-text("Approve")', { timeout: 10_000 });
  expect(await page.locator('[data-testid=action]').allTextContents()).toEqual(['Approve', 'Reject']);
  await page.screenshot({ path: join(SHOTS, 'webchat-buttons.png') });
  await page.click('[data-testid=action]:has-text("Approve")');
  await answered(page, 'v42 approved by Visitor');
  expect(await page.locator('[data-testid=action]').count()).toBe(0);
}, 60_000);

test('webchat browser - a visitor attaches an image and the agent reads it; an agent image shows inline; a file link downloads', async () => {
  const page = await openChat();
  expect(await page.locator('#limit').textContent()).toBe('Files up to 10 MB');
  const chart = png(240, 120);
  await page.setInputFiles('#file', { name: 'chart.png', mimeType: 'image/png', buffer: chart });
  await page.waitForSelector(`[data-testid=agent-message]:has-text('got an image "chart.png": ${chart.length} bytes, image/png')`, {
    timeout: 10_000,
  });
  expect(await page.locator('.msg.me .file').allTextContents()).toEqual([`chart.png (${chart.length} bytes)`]);

  const agent = await agentClient();
  const image = await agent.upload(chart, { name: 'sales.png', mime: 'image/png', kind: 'image' });
  expect(
    (await agent.send('webchat', 'default', { conversation: { id: await visitorOf(page) }, text: 'Sales this week', attachments: [image] }))
      .ok,
  ).toBe(true);
  const img = page.locator('[data-testid=agent-image]');
  await img.waitFor({ timeout: 10_000 });
  await img.evaluate(
    (el) =>
      new Promise<void>((resolve, reject) => {
        const image = el as unknown as { complete: boolean; naturalWidth: number; addEventListener(e: string, f: () => void): void };
        if (image.complete && image.naturalWidth > 0) return resolve();
        image.addEventListener('load', () => resolve());
        image.addEventListener('error', () => reject(new Error('the image did not load')));
      }),
  );
  expect(await img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)).toBe(240);
  await page.screenshot({ path: join(SHOTS, 'webchat-media.png') });

  await send(page, '/file');
  const link = page.locator('[data-testid=agent-file]');
  await link.waitFor({ timeout: 10_000 });
  expect(await link.textContent()).toMatch(/^squares\.csv \(\d+ bytes\)$/);
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe('squares.csv');
}, 60_000);

test('webchat browser - a file over the limit is not sent and the page says why', async () => {
  const page = await openChat(`${baseUrl}/webchat/short/`);
  expect(await page.locator('#limit').textContent()).toBe('Files up to 1000 bytes');
  await page.setInputFiles('#file', { name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(2048) });
  await expectText(page, '#notice', 'big.bin is 2 KB: this chat takes files up to 1000 bytes.');
  expect(await page.locator('.msg').count()).toBe(0);
}, 60_000);

/** A page in a fresh browser context (closed after the test), with `init` run in every document before its own scripts. */
async function newPage(init?: string, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext(options);
  t.defer(() => context.close());
  if (init) await context.addInitScript(init);
  return context.newPage();
}

/** Opens the chat at `url` and waits until it is online. */
async function goOnline(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expectText(page, '#status', 'online');
}

/** A fresh page with the chat at `url` open and online. */
async function openChat(url = pageUrl, options: BrowserContextOptions = {}): Promise<Page> {
  const page = await newPage(undefined, options);
  await goOnline(page, url);
  return page;
}

/** The visitor types `text` and presses Enter. */
async function send(page: Page, text: string): Promise<void> {
  await page.fill('#input', text);
  await page.keyboard.press('Enter');
}

/** Waits until an agent bubble shows `text`. */
async function answered(page: Page, text: string): Promise<void> {
  await page.waitForSelector(`[data-testid=agent-message]:has-text(${JSON.stringify(text)})`, { timeout: 10_000 });
}

/** An agent on the gateway's NATS and prefix, closed after the test. */
async function agentClient(): Promise<AgentClient> {
  const agent = await AgentClient.connect({ servers: t.nats.url, prefix });
  t.defer(() => agent.close());
  return agent;
}

/** The visitor id the gateway issued to this page (the `sub` of the identity it keeps). */
async function visitorOf(page: Page): Promise<string> {
  const identity = (await page.evaluate("localStorage.getItem('cg-webchat:/webchat/default:identity')")) as string;
  return (JSON.parse(Buffer.from(identity.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;
}

/** A real PNG (an RGB gradient with bars), so the browser decodes and shows it. */
function png(width: number, height: number): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const bar = Math.floor(x / 40);
      const filled = height - y < (bar + 1) * 15;
      row.set(filled ? [51, 112, 255] : [244, 245, 247], 1 + x * 3);
    }
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * Waits until the element `selector` shows `text` (`includes`: contains it). A function, not a string:
 * the page's content security policy forbids eval, which Playwright's polling of a string needs.
 */
async function expectText(page: Page, selector: string, text: string, how: 'is' | 'includes' = 'is', timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    ([sel, want, mode]) => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document;
      const got = doc.querySelector(sel)?.textContent ?? null;
      return got !== null && (mode === 'is' ? got === want : got.includes(want));
    },
    [selector, text, how] as const,
    { timeout },
  );
}

import { readFileSync } from 'node:fs';
import type { Receipt } from '../../../core/contract/schemas';
import { eventually } from '../../support';
import { CHAT, newApp } from '../../support/feishu';
import { useGatewayTest } from '../../support/fixture';
import { GatewayProcess, processConfig } from '../../support/gateway-process';
import { uniquePrefix } from '../../support/nats-server';

const t = useGatewayTest({ emulator: 'feishu' });

/** A gateway process for `app` on `prefix`, on its own HTTP port, SIGKILLed after the test. */
async function replica(prefix: string, app: { appId: string; appSecret: string }) {
  const cfg = await processConfig(t.nats.url, t.emu.url, app, prefix);
  const gw = new GatewayProcess(cfg.file, cfg.url, cfg.log);
  t.defer(() => gw.kill('SIGKILL').catch(() => undefined));
  return gw;
}

test('feishu takeover - the sending gateway is SIGKILLed mid-stream; the other replica finishes the same card, exactly', async () => {
  const emu = t.emu;
  const app = newApp(emu);
  const prefix = uniquePrefix();
  const a = await replica(prefix, app);
  const b = await replica(prefix, app);
  const receipts = await t.collect<Receipt>(`${prefix}.receipt.>`);
  await a.start();
  await eventually(() => readFileSync(a.logFile, 'utf8').includes('outbound lease acquired'), 'A sends for the account');
  await b.start();
  await emu.waitForConnections(app.appId, 2);
  const publish = (env: Record<string, unknown>) => t.nc.publish(`${prefix}.out.feishu.default`, JSON.stringify(env));
  const receipt = (id: string, timeoutMs: number) =>
    eventually(() => receipts.items.some((r) => r.id === id), `the receipt of ${id}`, timeoutMs).then(() =>
      receipts.items.find((r) => r.id === id)!,
    );
  const words = Array.from({ length: 400 }, (_, i) => `w${i}`);
  const snapshot = (n: number) => words.slice(0, n).join(' ');
  publish({ id: 'tale', conversation: { id: CHAT }, stream: true, text: 'Once' });
  await receipt('tale', 10_000);
  const updates = () => emu.requests.filter((r) => r.api === 'cardContent' && r.code === 0).length;
  let n = 0;
  // A frame every 50 ms until A has streamed twice into the card, then A dies; the frames go on, then the final one.
  for (; updates() < 2; n++) {
    publish({ id: `tale.${n}`, edit: 'tale', text: `Once ${snapshot(n)}`, format: 'markdown' });
    await new Promise((r) => setTimeout(r, 50));
  }
  await a.kill('SIGKILL');
  for (const end = n + 20; n < end; n++) {
    publish({ id: `tale.${n}`, edit: 'tale', text: `Once ${snapshot(n)}`, format: 'markdown' });
    await new Promise((r) => setTimeout(r, 50));
  }
  const final = `Once ${snapshot(n)} the end`;
  publish({ id: 'tale.done', edit: 'tale', done: true, text: final, format: 'markdown' });
  const done = await receipt('tale.done', 90_000);
  expect(done).toMatchObject({ ok: true });

  expect(emu.cards).toHaveLength(1);
  expect(emu.sent).toHaveLength(1);
  const [card] = emu.cards;
  expect(emu.sent[0]).toMatchObject({ msgType: 'interactive', content: { type: 'card', data: { card_id: card!.cardId } } });
  expect(done.messageIds).toEqual([emu.sent[0]!.messageId]);
  expect(emu.shownText(emu.sent[0]!.messageId)).toBe(final);
  expect(card).toMatchObject({ streaming: false, closedBy: 'settings' });
  const calls = emu.requests
    .filter((r) => r.appId === app.appId && r.api?.startsWith('card'))
    .map((r) => `${r.api}${r.code ? `(${r.code})` : ''}`);
  process.stdout.write(`feishu takeover: ${n} frames, A killed after 2 updates; CardKit calls: ${calls.join(', ')}\n`);
  expect(readFileSync(b.logFile, 'utf8')).toContain('outbound lease acquired');
  await b.kill('SIGTERM');
}, 150_000);

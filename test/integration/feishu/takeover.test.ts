import { readFileSync } from 'node:fs';
import { ALLOW_ALL, CHAT, feishuEntry, newApp } from '../../support/feishu';
import { useGatewayTest } from '../../support/fixture';
import { streamThroughTakeover } from '../../support/takeover';

const t = useGatewayTest({ emulator: 'feishu' });

test('feishu takeover - the sending gateway is SIGKILLed mid-stream; the other replica finishes the same card, exactly', async () => {
  const emu = t.emu;
  const app = newApp(emu);
  const { done, final, frames, survivor } = await streamThroughTakeover(t, {
    channel: 'feishu',
    entry: feishuEntry(emu.url, app, ALLOW_ALL),
    connected: () => emu.waitForConnections(app.appId, 2),
    opening: async () => ({ conversation: { id: CHAT } }),
    updates: () => emu.requests.filter((r) => r.api === 'cardContent' && r.code === 0).length,
  });
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
  process.stdout.write(`feishu takeover: ${frames} frames, A killed after 2 updates; CardKit calls: ${calls.join(', ')}\n`);
  expect(readFileSync(survivor.logFile, 'utf8')).toContain('outbound lease acquired');
  await survivor.kill('SIGTERM');
}, 150_000);

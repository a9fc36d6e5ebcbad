import { readFileSync } from 'node:fs';
import { eventually } from '../../support';
import { useGatewayTest } from '../../support/fixture';
import { slackEntry, workspace } from '../../support/slack';
import { streamThroughTakeover } from '../../support/takeover';

const t = useGatewayTest({ emulator: 'slack' });

test('slack takeover - the sending gateway is SIGKILLed mid-stream; the other replica finishes the same message, exactly', async () => {
  const emu = t.emu;
  const ws = workspace(emu);
  const { done, final, frames, survivor } = await streamThroughTakeover(t, {
    channel: 'slack',
    entry: slackEntry(emu.apiUrl, ws.app, '    allowFrom: ["*"]\n'),
    connected: () => emu.waitForConnections(ws.app.appId, 2),
    opening: async (inbox) => {
      const asked = emu.post({ channel: ws.channel, user: ws.tom.id, text: `<@${ws.app.botUserId}> tell me a story` });
      await eventually(() => inbox.items.length > 0, 'the question stored');
      return { conversation: { id: ws.channel }, replyTo: `${ws.channel}:${asked.ts}` };
    },
    updates: () => emu.requests.filter((r) => r.method === 'chat.appendStream').length,
  });
  expect(done).toMatchObject({ ok: true });

  const posted = emu.posted.filter((p) => p.appId === ws.app.appId);
  expect(posted.map((p) => p.via)).toEqual(['chat.startStream']);
  expect(done.messageIds).toEqual([`${ws.channel}:${posted[0]!.ts}`]);
  expect(emu.message(ws.channel, posted[0]!.ts)!.text).toBe(final);
  const calls = emu.requests.filter((r) => r.appId === ws.app.appId && /^chat\./.test(r.method)).map((r) => r.method);
  process.stdout.write(`slack takeover: ${frames} frames, A killed after 2 appends; Slack calls: ${calls.join(', ')}\n`);
  expect(readFileSync(survivor.logFile, 'utf8')).toContain('outbound lease acquired');
  await survivor.kill('SIGTERM');
}, 150_000);

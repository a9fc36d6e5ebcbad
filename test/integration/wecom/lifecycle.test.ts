import { WSClient } from '@wecom/aibot-node-sdk';
import type { InboundEnvelope } from '../../../core/contract/schemas';
import { eventually } from '../../support';
import { loopbackConfig } from '../../support/harness';
import { uniquePrefix } from '../../support/nats-server';
import { wecomEntry } from '../../support/wecom';
import { wecomRig } from './rig';

const { t, boot, emu } = wecomRig();

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('wecom lifecycle', () => {
  test("wecom lifecycle - a wrong secret fails the start with WeCom's 853000 and what to check", async () => {
    const e = emu();
    const bot = e.addBot({ name: 'Data Bot' });
    const gw = await t.boot(loopbackConfig(t.nats.url, uniquePrefix(), wecomEntry(e.wsUrl, { botId: bot.botId, secret: 'wrong-secret' })));
    await eventually(() => gw.statuses.items.some((s) => s.state === 'failed'), 'failed status');
    const failed = gw.statuses.items.find((s) => s.state === 'failed')!;
    expect(failed.detail).toContain('WeCom refused the subscription (errcode 853000): check botId and secret');
    expect(failed.detail).not.toContain('wrong-secret');
    expect(e.connected(bot.botId)).toBe(false);
  });

  test('wecom lifecycle - another connection taking the bot is reported; the channel takes it back after kickedRetryMs', async () => {
    const r = await boot({ extra: '    kickedRetryMs: 1500\n' });
    const intruder = new WSClient({ botId: r.bot.botId, secret: r.bot.secret, wsUrl: r.emu.wsUrl, logger: quiet, maxReconnectAttempts: 0 });
    t.defer(() => intruder.disconnect());
    let kickedIntruder = false;
    intruder.on('event.disconnected_event', () => (kickedIntruder = true));
    intruder.connect();
    await eventually(() => r.gw.statuses.items.some((s) => s.state === 'failed'), 'failed status after the kick');
    expect(r.gw.statuses.items.find((s) => s.state === 'failed')!.detail).toContain(`another connection took bot ${r.bot.botId}`);
    await eventually(() => kickedIntruder, 'the gateway takes the bot back', 10_000);
    await eventually(() => r.gw.statuses.items.at(-1)?.state === 'connected', 'connected again');
    expect(r.emu.kicked).toEqual([r.bot.botId, r.bot.botId]);
    await r.emu.say({ botId: r.bot.botId, user: 'zhangsan', text: 'still there?' });
    expect(((await r.inbox.waitFor(1)) as InboundEnvelope[])[0]!.message.text).toBe('still there?');
  });

  test('wecom lifecycle - a dropped connection is reconnected by the SDK (reconnecting, then connected); messages flow again', async () => {
    const r = await boot();
    r.emu.dropConnection(r.bot.botId);
    await eventually(() => r.gw.statuses.items.some((s) => s.state === 'reconnecting'), 'reconnecting status');
    await r.emu.waitForConnection(r.bot.botId);
    await eventually(() => r.gw.statuses.items.at(-1)?.state === 'connected', 'connected again');
    const said = await r.emu.say({ botId: r.bot.botId, user: 'lisi', text: 'after the drop' });
    expect(said.replied).toBe(true);
    r.send({ id: 'after1', replyTo: said.msgid, text: 'answered' });
    expect((await r.receipt('after1')).ok).toBe(true);
  });

  test('wecom lifecycle - two replicas: exactly one holds the connection; when it stops the other takes over and answers the same message', async () => {
    const r = await boot();
    const second = await t.bootFile(r.file);
    await eventually(() => second.statuses.items.some((s) => s.detail?.startsWith('standby')), 'the second replica stands by');
    expect(r.emu.connectionCount).toBe(1);
    expect(r.emu.kicked).toEqual([]);
    const said = await r.emu.say({ botId: r.bot.botId, user: 'wangwu', text: 'question before the takeover' });
    await r.inbox.waitFor(1);
    await r.gw.stop();
    await eventually(
      () => second.logs.messages().includes('WeCom smart bot connected via long connection'),
      'the second replica connects',
      15_000,
    );
    expect(r.emu.kicked).toEqual([]);
    second.publish('wecom.default', { id: 'late1', replyTo: said.msgid, text: 'answer from the other replica' });
    const receipt = await eventually(() => second.receipts.items.some((x) => x.id === 'late1'), 'receipt', 20_000).then(() =>
      second.receipts.items.find((x) => x.id === 'late1')!,
    );
    expect(receipt.ok).toBe(true);
    expect(r.emu.shown('wangwu').map((s) => [s.kind, s.content, s.finished])).toEqual([['stream', 'answer from the other replica', true]]);
  });
});

import { readFileSync } from 'node:fs';
import type { InboundAny, Receipt } from '../../../core/contract/schemas';
import { eventually } from '../../support';
import { useGatewayTest } from '../../support/fixture';
import { GatewayProcess, processConfigFile } from '../../support/gateway-process';
import { uniquePrefix } from '../../support/nats-server';
import { slackEntry, workspace } from '../../support/slack';

const t = useGatewayTest({ emulator: 'slack' });

/** A gateway process with the Slack entry, on its own HTTP port. */
async function replica(prefix: string, app: { appToken: string; botToken: string }) {
  const cfg = await processConfigFile(
    t.nats.url,
    prefix,
    slackEntry(t.emu.apiUrl, app, '    allowFrom: ["*"]\n'),
    'delivery:\n  initialBackoff: 50ms\n  maxBackoff: 1s\n',
  );
  const gw = new GatewayProcess(cfg.file, cfg.url, cfg.log);
  t.defer(() => gw.kill('SIGKILL').catch(() => undefined));
  return gw;
}

test('slack takeover - the sending gateway is SIGKILLed mid-stream; the other replica finishes the same message, exactly', async () => {
  const emu = t.emu;
  const ws = workspace(emu);
  const prefix = uniquePrefix();
  const a = await replica(prefix, ws.app);
  const b = await replica(prefix, ws.app);
  const inbox = await t.collect<InboundAny>(`${prefix}.in.>`);
  const receipts = await t.collect<Receipt>(`${prefix}.receipt.>`);
  await a.start();
  await eventually(() => readFileSync(a.logFile, 'utf8').includes('outbound lease acquired'), 'A sends for the account');
  await b.start();
  await emu.waitForConnections(ws.app.appId, 2);
  const publish = (env: Record<string, unknown>) => t.nc.publish(`${prefix}.out.slack.default`, JSON.stringify(env));
  const receipt = (id: string, timeoutMs: number) =>
    eventually(() => receipts.items.some((r) => r.id === id), `the receipt of ${id}`, timeoutMs).then(() =>
      receipts.items.find((r) => r.id === id)!,
    );
  const asked = emu.post({ channel: ws.channel, user: ws.tom.id, text: `<@${ws.app.botUserId}> tell me a story` });
  await eventually(() => inbox.items.length > 0, 'the question stored');
  const words = Array.from({ length: 400 }, (_, i) => `w${i}`);
  const snapshot = (n: number) => words.slice(0, n).join(' ');
  publish({ id: 'tale', conversation: { id: ws.channel }, replyTo: `${ws.channel}:${asked.ts}`, stream: true, text: 'Once' });
  await receipt('tale', 10_000);
  const appends = () => emu.requests.filter((r) => r.method === 'chat.appendStream').length;
  let n = 0;
  // A frame every 50 ms until A has appended twice, then A dies; the frames go on, then the final one.
  for (; appends() < 2; n++) {
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

  const posted = emu.posted.filter((p) => p.appId === ws.app.appId);
  expect(posted.map((p) => p.via)).toEqual(['chat.startStream']);
  expect(done.messageIds).toEqual([`${ws.channel}:${posted[0]!.ts}`]);
  expect(emu.message(ws.channel, posted[0]!.ts)!.text).toBe(final);
  const calls = emu.requests.filter((r) => r.appId === ws.app.appId && /^chat\./.test(r.method)).map((r) => r.method);
  process.stdout.write(`slack takeover: ${n} frames, A killed after 2 appends; Slack calls: ${calls.join(', ')}\n`);
  expect(readFileSync(b.logFile, 'utf8')).toContain('outbound lease acquired');
  await b.kill('SIGTERM');
}, 150_000);

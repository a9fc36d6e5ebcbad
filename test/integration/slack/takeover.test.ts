import { readFileSync } from 'node:fs';
import type { NatsConnection } from '@nats-io/transport-node';
import type { InboundAny, Receipt } from '../../../core/contract/schemas';
import type { SlackEmulator } from '../../emulators/slack';
import { Collector, client, eventually } from '../../support';
import { GatewayProcess, processConfigWith } from '../../support/gateway-process';
import { startNats, uniquePrefix, type TestNats } from '../../support/nats-server';
import { slackEntry, startEmulator, workspace } from './setup';

let nats: TestNats;
let nc: NatsConnection;
let emu: SlackEmulator;

beforeAll(async () => {
  nats = await startNats();
  nc = await client(nats.url);
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.stop();
  await nc.close();
  await nats.close();
});

/** A gateway process with the Slack entry, on its own HTTP port. */
async function replica(prefix: string, app: { appToken: string; botToken: string }) {
  const cfg = await processConfigWith(nats.url, prefix, slackEntry(emu.apiUrl, app, '    allowFrom: ["*"]\n'));
  return new GatewayProcess(cfg.file, cfg.url, cfg.log);
}

test('slack takeover - the sending gateway is SIGKILLed mid-stream; the other replica finishes the same message, exactly', async () => {
  const ws = workspace(emu);
  const prefix = uniquePrefix();
  const a = await replica(prefix, ws.app);
  const b = await replica(prefix, ws.app);
  const inbox = new Collector<InboundAny>(nc, `${prefix}.in.>`);
  const receipts = new Collector<Receipt>(nc, `${prefix}.receipt.>`);
  await nc.flush();
  await a.start();
  await eventually(() => readFileSync(a.logFile, 'utf8').includes('outbound lease acquired'), 'A sends for the account');
  await b.start();
  await emu.waitForConnections(ws.app.appId, 2);
  const publish = (env: Record<string, unknown>) => nc.publish(`${prefix}.out.slack.default`, JSON.stringify(env));
  const receipt = (id: string, timeoutMs: number) =>
    eventually(() => receipts.items.some((r) => r.id === id), `the receipt of ${id}`, timeoutMs).then(() =>
      receipts.items.find((r) => r.id === id)!,
    );
  try {
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
  } finally {
    await a.kill('SIGKILL').catch(() => undefined);
    await b.kill('SIGTERM').catch(() => undefined);
    inbox.close();
    receipts.close();
  }
}, 150_000);

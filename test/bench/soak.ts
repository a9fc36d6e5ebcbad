/**
 * Soak: N minutes of mixed traffic through a gateway process (Feishu emulator in, agent envelopes
 * out) at a steady rate, then a report: messages in and out, duplicates, losses, latency p50/p99 and
 * the gateway's RSS at start and end. Opt-in: `npm run soak` (SOAK_SECONDS, SOAK_RATE per direction).
 */
import { readFileSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { newApp, startEmulator } from '../support/feishu';
import { GatewayProcess, processConfig } from '../support/gateway-process';
import { startNats, uniquePrefix } from '../support/nats-server';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const RATE = Number(process.env.SOAK_RATE ?? 20);

function rssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function pct(values: number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function main(): Promise<void> {
  const nats = await startNats({ own: true });
  const emu = await startEmulator();
  const app = newApp(emu);
  const prefix = uniquePrefix();
  const cfg = await processConfig(nats.url, emu.url, app, prefix);
  const gw = new GatewayProcess(cfg.file, cfg.url, cfg.log);
  const nc = await connect({ servers: nats.url });
  const inSent = new Map<string, number>();
  const inSeen = new Map<string, number>();
  const inLatency: number[] = [];
  let inDuplicates = 0;
  nc.subscribe(`${prefix}.in.>`, {
    callback: (_e, m) => {
      const env = JSON.parse(m.string()) as { message: { text: string } };
      const key = env.message.text;
      const seen = inSeen.get(key) ?? 0;
      if (seen) inDuplicates++;
      else inLatency.push(Date.now() - (inSent.get(key) ?? Date.now()));
      inSeen.set(key, seen + 1);
    },
  });
  const outSent = new Map<string, number>();
  const outLatency: number[] = [];
  const outSeen = new Map<string, number>();
  let outDuplicates = 0;
  emu.on('sent', (s: { content: { text?: string } }) => {
    const key = s.content.text ?? '';
    const seen = outSeen.get(key) ?? 0;
    if (seen) outDuplicates++;
    else outLatency.push(Date.now() - (outSent.get(key) ?? Date.now()));
    outSeen.set(key, seen + 1);
  });
  await gw.start();
  await emu.waitForConnections(app.appId, 1);
  const rssStart = rssMb(gw.pid);
  process.stdout.write(`soak: ${SECONDS} s at ${RATE}/s each way; gateway pid ${gw.pid}, RSS ${rssStart.toFixed(1)} MB; log ${cfg.log}\n`);
  const started = Date.now();
  let i = 0;
  while (Date.now() - started < SECONDS * 1000) {
    const tick = Date.now();
    for (let k = 0; k < RATE; k++, i++) {
      const text = `in-${i}`;
      inSent.set(text, Date.now());
      const event = emu.message({
        appId: app.appId,
        chatId: `oc_c${i % 50}`,
        chatType: 'p2p',
        senderOpenId: `ou_u${i % 50}`,
        messageType: 'text',
        content: { text },
      });
      emu.pushEvent(app.appId, event, { redeliverUnacked: { afterMs: 1000, times: 30 } }).catch(() => undefined);
      const out = `out-${i}`;
      outSent.set(out, Date.now());
      nc.publish(`${prefix}.out.feishu.default`, JSON.stringify({ id: `s${i}`, conversation: { id: `oc_c${i % 50}` }, text: out }));
    }
    if ((i / RATE) % 60 === 0)
      process.stdout.write(
        `  ${Math.round((Date.now() - started) / 1000)} s: in ${inSeen.size}/${inSent.size}, out ${outSeen.size}/${outSent.size}, RSS ${rssMb(gw.pid).toFixed(1)} MB\n`,
      );
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - tick))));
  }
  const drainUntil = Date.now() + 30_000;
  while ((inSeen.size < inSent.size || outSeen.size < outSent.size) && Date.now() < drainUntil)
    await new Promise((r) => setTimeout(r, 200));
  const rssEnd = rssMb(gw.pid);
  const rows = [
    ['direction', 'sent', 'delivered', 'duplicates', 'lost', 'p50 ms', 'p99 ms'],
    ['inbound', inSent.size, inSeen.size, inDuplicates, inSent.size - inSeen.size, pct(inLatency, 50), pct(inLatency, 99)],
    ['outbound', outSent.size, outSeen.size, outDuplicates, outSent.size - outSeen.size, pct(outLatency, 50), pct(outLatency, 99)],
  ];
  for (const r of rows) process.stdout.write(r.map((c) => String(c).padStart(11)).join(' ') + '\n');
  process.stdout.write(`gateway RSS: ${rssStart.toFixed(1)} MB at start, ${rssEnd.toFixed(1)} MB at end\n`);
  await gw.kill('SIGTERM');
  await nc.close();
  await emu.stop();
  await nats.close();
}

main().catch((err) => {
  process.stderr.write(`soak failed: ${(err as Error).stack}\n`);
  process.exit(1);
});

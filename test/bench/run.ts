/**
 * `npm run bench`: inbound, outbound and scale of the gateway (a separate process, as operators run it)
 * against a bare-SDK baseline on the same Feishu emulator and NATS server. Prints one table and writes it
 * as JSON (BENCH_OUT, default bench-results.json). Env: BENCH_ROUNDS (3), BENCH_ONLY (inbound,outbound,streams,media,scale,provision,cluster),
 * BENCH_SCALE (1,100,1000), BENCH_PROFILE=1 (run inbound and outbound under `node --cpu-prof` and print
 * the top self-time functions instead).
 */
import { mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { FeishuEmulator } from '../emulators/feishu';
import { startEmulator } from '../support/feishu';
import { freePort, startNats } from '../support/nats-server';
import { baselineText, gatewayText, inboundRound, type Load } from './inbound';
import { baselineOutRound, gatewayOutRound } from './outbound';
import { topSelfTime } from './profile';
import { clusterRows } from './cluster';
import { mediaRows } from './media';
import { provisionRow } from './provision';
import { scaleRows } from './scale';
import { streamRows } from './stream-rows';
import { Baseline, addApps, pause, startGateway, type App } from './setup';
import { formatTable, loadavg, summarise, withCpu, type Round, type Row } from './stats';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ONLY = (process.env.BENCH_ONLY ?? 'inbound,outbound,streams,media,scale,provision,cluster').split(',');
const SCALE = (process.env.BENCH_SCALE ?? '1,100,1000').split(',').map(Number);
const PROFILE = process.env.BENCH_PROFILE === '1';
const OUT_ACCOUNTS = 40;
const OUT_N = 2000;
const OUT_CONCURRENCY = 64;
const log = (s: string) => process.stdout.write(`${s}\n`);

function logRound(what: string, r: Round): void {
  log(
    `  ${what}: ${r.rate.toFixed(0)}/s p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms cpu ${(r.cpuPer1k ?? NaN).toFixed(0)} ms/1k${r.lost ? ` lost ${r.lost}` : ''}`,
  );
}

/** A warm-up round, then ROUNDS rounds. */
async function rounds(what: string, round: () => Promise<Round>, gapMs = 0): Promise<Round[]> {
  await round();
  const out: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    await pause(gapMs);
    const r = await round();
    logRound(what, r);
    out.push(r);
  }
  return out;
}

/**
 * Two systems measured round by round in turn (after a warm-up of each), so a change in the shared
 * machine's speed during the run weighs on both alike instead of on whichever ran second.
 */
async function interleaved(
  a: { what: string; round: () => Promise<Round>; gapMs?: number },
  b: { what: string; round: () => Promise<Round>; gapMs?: number },
): Promise<[Round[], Round[]]> {
  await a.round();
  await b.round();
  const out: [Round[], Round[]] = [[], []];
  for (let i = 0; i < ROUNDS; i++)
    for (const [k, s] of [a, b].entries()) {
      await pause(s.gapMs ?? 0);
      const r = await s.round();
      logRound(s.what, r);
      out[k]!.push(r);
    }
  return out;
}

async function inbound(emu: FeishuEmulator, nc: NatsConnection, natsUrl: string, nodeArgs?: string[]) {
  const rows: Row[] = [];
  const gwApps = addApps(emu, 1, 'in');
  const g = await startGateway(natsUrl, emu.url, gwApps, { nodeArgs });
  await emu.waitForConnections(gwApps[0]!.appId, 1, 10_000);
  const baseApps = addApps(emu, 1, 'base');
  const subject = `benchbase${Date.now().toString(36)}`;
  const base = PROFILE ? undefined : await Baseline.start({ natsUrl, subject, domain: emu.url, apps: baseApps });
  const loads: Array<[string, Load, string]> = [
    [
      'inbound burst 2,000',
      { kind: 'burst', n: 2000, inFlight: 500 },
      'events/s frame pushed → envelope on <prefix>.in.> (500 pushes in flight)',
    ],
    ['inbound 500/s', { kind: 'rate', perSecond: 500, seconds: 3 }, 'fixed 500/s for 3 s: latency push → subscriber'],
    ['inbound 2,000/s', { kind: 'rate', perSecond: 2000, seconds: 2 }, 'fixed 2,000/s for 2 s: latency push → subscriber'],
  ];
  for (const [name, load, note] of PROFILE ? loads.slice(0, 1) : loads) {
    const n = load.kind === 'burst' ? load.n : load.perSecond * load.seconds;
    let b: Row | undefined;
    if (base) {
      b = summarise(
        name,
        'baseline',
        await rounds(`${name} baseline`, () =>
          withCpu(base.pid, n, () => inboundRound(emu, nc, `${subject}.in`, baselineText, [baseApps[0]!.appId], load)),
        ),
        'bare WSClient + EventDispatcher → js.publish (file stream, republished)',
      );
      rows.push(b);
    }
    rows.push(
      summarise(
        name,
        'gateway',
        await rounds(`${name} gateway`, () =>
          withCpu(g.gw.pid, n, () => inboundRound(emu, nc, `${g.prefix}.in.>`, gatewayText, [gwApps[0]!.appId], load)),
        ),
        note,
        b,
      ),
    );
  }
  await base?.stop();
  await g.gw.kill('SIGTERM');
  return rows;
}

async function outbound(emu: FeishuEmulator, nc: NatsConnection, natsUrl: string, nodeArgs?: string[]) {
  const rows: Row[] = [];
  if (!PROFILE) {
    // Paced: one account, Feishu's real limits apply (50/s per app, 5/s per chat).
    const apps = addApps(emu, 1, 'paced');
    const g = await startGateway(natsUrl, emu.url, apps);
    await emu.waitForConnections(apps[0]!.appId, 1, 10_000);
    const acct = [apps[0]!.account];
    rows.push(
      summarise(
        'outbound paced, 1 account, 150 chats',
        'gateway',
        await rounds('paced many chats', () => withCpu(g.gw.pid, 150, () => gatewayOutRound(emu, nc, g.prefix, acct, 150, 150)), 1200),
        'msgs/s publish → emulator accepted; paced by design at Feishu’s 50 per 1.05 s per app (47.6/s sustained; a 150 burst = 3 windows shows ~67/s); latency is pacing wait',
      ),
    );
    rows.push(
      summarise(
        'outbound paced, 1 account, 1 chat',
        'gateway',
        await rounds('paced one chat', () => withCpu(g.gw.pid, 12, () => gatewayOutRound(emu, nc, g.prefix, acct, 12, 1)), 1200),
        'one conversation: in order, capped by design at Feishu’s 5/s per chat',
      ),
    );
    const base1 = await Baseline.start({ domain: emu.url, apps: addApps(emu, 1, 'ob') });
    rows.push(
      summarise(
        'outbound 1 chat, unpaced',
        'baseline',
        await rounds('baseline one chat', () => withCpu(base1.pid, 200, () => baselineOutRound(emu, base1, 200, 1, 1))),
        'lark.Client create, one call at a time (the order a conversation needs); no pacing',
      ),
    );
    await base1.stop();
    await g.gw.kill('SIGTERM');
  }
  // Core path: pacing out of the way (40 accounts, ≤ 50 messages per app and ≤ 5 per chat per round).
  const apps: App[] = addApps(emu, OUT_ACCOUNTS, 'out');
  const g = await startGateway(natsUrl, emu.url, apps, { nodeArgs, timeoutMs: 60_000 });
  const accounts = apps.map((a) => a.account);
  const chats = OUT_N / OUT_ACCOUNTS / 2;
  const gateway = {
    what: 'gateway core',
    round: () => withCpu(g.gw.pid, OUT_N, () => gatewayOutRound(emu, nc, g.prefix, accounts, OUT_N, chats)),
    gapMs: 1300,
  };
  const gatewayNote = `core path, pacing not binding: ${OUT_N} envelopes published at once over ${OUT_ACCOUNTS} accounts × ${chats} chats (≤ 50/app, 2/chat per round); latency includes queueing behind the burst, the baseline’s is per call; rounds alternate with the baseline’s`;
  if (PROFILE)
    rows.push(
      summarise(`outbound ${OUT_N}, ${OUT_ACCOUNTS} apps`, 'gateway', await rounds(gateway.what, gateway.round, 1300), gatewayNote),
    );
  else {
    const base = await Baseline.start({ domain: emu.url, apps: addApps(emu, OUT_ACCOUNTS, 'obase') });
    const baseline = {
      what: 'baseline core',
      round: () => withCpu(base.pid, OUT_N, () => baselineOutRound(emu, base, OUT_N, chats, OUT_CONCURRENCY)),
      gapMs: 1300,
    };
    const [bs, gs] = await interleaved(baseline, gateway);
    await base.stop();
    const b = summarise(
      `outbound ${OUT_N}, ${OUT_ACCOUNTS} apps`,
      'baseline',
      bs,
      `lark.Client create (keep-alive), ${OUT_CONCURRENCY} calls in flight, same apps/chats spread`,
    );
    rows.push(b, summarise(`outbound ${OUT_N}, ${OUT_ACCOUNTS} apps`, 'gateway', gs, gatewayNote, b));
  }
  await g.gw.kill('SIGTERM');
  return rows;
}

async function main(): Promise<void> {
  const started = Date.now();
  const load = { start: loadavg(), during: [] as string[] };
  const sampler = setInterval(() => load.during.push(loadavg().split(' ')[0]!), 10_000);
  log(`chat-gateway bench: ${cpus().length} cores, Node ${process.version}, load average ${load.start}, ${ROUNDS} rounds after a warm-up`);
  const monitorPort = await freePort();
  const nats = await startNats({ own: true, args: ['-m', String(monitorPort)] });
  const emu = await startEmulator();
  const nc = await connect({ servers: nats.url });
  const rows: Row[] = [];
  const profDir = PROFILE ? mkdtempSync(join(tmpdir(), 'cg-prof-')) : undefined;
  const nodeArgs = (name: string) =>
    profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${name}.cpuprofile`] : undefined;
  try {
    if (ONLY.includes('inbound')) rows.push(...(await inbound(emu, nc, nats.url, nodeArgs('inbound'))));
    if (ONLY.includes('outbound')) rows.push(...(await outbound(emu, nc, nats.url, nodeArgs('outbound'))));
    if (ONLY.includes('streams') && !PROFILE) rows.push(...(await streamRows(emu, nc, nats.url, ROUNDS)));
    if (ONLY.includes('media') && !PROFILE) rows.push(...(await mediaRows(emu, nc, nats.url, ROUNDS)));
    if (ONLY.includes('scale') && !PROFILE) rows.push(...(await scaleRows(emu, nc, nats.url, SCALE, ROUNDS, monitorPort)));
    if (ONLY.includes('provision') && !PROFILE)
      rows.push(await provisionRow(emu, nc, nats.url, Number(process.env.BENCH_PROVISION ?? 1000)));
    if (ONLY.includes('cluster') && !PROFILE) rows.push(...(await clusterRows(emu, rounds, log)));
  } finally {
    clearInterval(sampler);
    await nc.close();
    await emu.stop();
    await nats.close();
  }
  if (profDir) {
    await pause(500);
    for (const f of readdirSync(profDir)) log(`\n${topSelfTime(join(profDir, f), 25)}`);
  }
  const table = formatTable(rows);
  const added = rows
    .filter((r) => r.system === 'gateway' && r.ratio !== undefined && r.scenario.startsWith('inbound'))
    .map((r) => {
      const b = rows.find((x) => x.scenario === r.scenario && x.system === 'baseline')!;
      return `${r.scenario}: added latency p50 ${(r.p50!.median - b.p50!.median).toFixed(1)} ms, p99 ${(r.p99!.median - b.p99!.median).toFixed(1)} ms`;
    });
  const meta = {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    node: process.version,
    rounds: ROUNDS,
    loadAverage: load,
    seconds: Math.round((Date.now() - started) / 1000),
    profile: PROFILE,
  };
  log(`\n${table}\n`);
  for (const a of added) log(a);
  log(
    `${meta.cores} cores (${meta.cpu}), Node ${meta.node}; load average at start ${load.start}, 1-min during the run ${load.during.join(' ')}; ${meta.seconds} s`,
  );
  log('figures: median (min–max) over the rounds; "vs base" = gateway median rate / baseline median rate');
  const out = resolve(process.env.BENCH_OUT ?? 'bench-results.json');
  writeFileSync(out, JSON.stringify({ ...meta, rows, added, table }, null, 2));
  log(`results: ${out}`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});

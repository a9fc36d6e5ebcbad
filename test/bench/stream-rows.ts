/** The streaming rows of `npm run bench`: 100 concurrent CardKit streams, gateway and bare-SDK baseline. */
import type { NatsConnection } from '@nats-io/transport-node';
import type { FeishuEmulator } from '../emulators/feishu';
import { Baseline, addApps, pause, startGateway } from './setup';
import { cpuMs, spread, type Row } from './stats';
import { FRAMES, FRAME_MS, STREAMS, baselineStreamRound, gatewayStreamRound, type StreamRound } from './streams';

const log = (s: string) => process.stdout.write(`${s}\n`);
const SCENARIO = `${STREAMS} concurrent streams × ${FRAMES} frames over Feishu`;

/** Runs `round` with the CPU of process `pid` counted per frame. */
async function measured(pid: number | undefined, round: () => Promise<StreamRound>): Promise<StreamRound> {
  const before = cpuMs(pid);
  const r = await round();
  return { ...r, cpuPerFrame: (cpuMs(pid) - before) / (STREAMS * (FRAMES + 1)) };
}

/** A warm-up, then `n` rounds, each printed. */
async function rounds(what: string, n: number, round: () => Promise<StreamRound>): Promise<StreamRound[]> {
  await round();
  const out: StreamRound[] = [];
  for (let i = 0; i < n; i++) {
    await pause(1000);
    const r = await round();
    log(
      `  ${what}: ${r.callsPerStream.toFixed(1)} calls/stream, done → final p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms, cpu ${(r.cpuPerFrame ?? NaN).toFixed(3)} ms/frame${r.lost ? ` lost ${r.lost}` : ''}`,
    );
    out.push(r);
  }
  return out;
}

/** The rows: the "rate" column holds platform calls per stream, CPU is per 1,000 frames. */
function row(system: string, rs: StreamRound[], note: string): Row {
  return {
    scenario: SCENARIO,
    system,
    rounds: rs.length,
    rate: spread(rs.map((r) => r.callsPerStream)),
    p50: spread(rs.map((r) => r.p50)),
    p99: spread(rs.map((r) => r.p99)),
    cpuPer1k: spread(rs.map((r) => (r.cpuPerFrame ?? NaN) * 1000)),
    lost: rs.reduce((a, r) => a + r.lost, 0),
    extra: { callsPerStream: spread(rs.map((r) => r.callsPerStream)), cpuMsPerFrame: spread(rs.map((r) => r.cpuPerFrame ?? NaN)) },
    note,
  };
}

export async function streamRows(emu: FeishuEmulator, nc: NatsConnection, natsUrl: string, n: number): Promise<Row[]> {
  const pace = `a frame every ${FRAME_MS} ms per stream`;
  const baseApps = addApps(emu, 1, 'sbase');
  const base = await Baseline.start({ domain: emu.url, apps: baseApps });
  const b = row(
    'baseline',
    await rounds('streams baseline', n, () => measured(base.pid, () => baselineStreamRound(emu, base, baseApps[0]!.appId))),
    `“rate” = platform calls per stream; p50/p99 = final frame handed over → card shows it; lark.Client, one CardKit update per frame (${pace}), in order per card`,
  );
  await base.stop();
  const out = [b];
  // The default delivery settings, then more envelopes in flight: a stream's waiting frames count against
  // `delivery.concurrency` × 8 until they are merged, and 100 streams at this pace hold about 300.
  for (const concurrency of [undefined, 128]) {
    const apps = addApps(emu, 1, 'stream');
    const g = await startGateway(natsUrl, emu.url, apps, concurrency ? { sections: `delivery:\n  concurrency: ${concurrency}\n` } : {});
    await emu.waitForConnections(apps[0]!.appId, 1, 10_000);
    const system = concurrency ? `gateway, delivery.concurrency ${concurrency}` : 'gateway';
    out.push(
      row(
        system,
        await rounds(`streams ${system}`, n, () => measured(g.gw.pid, () => gatewayStreamRound(emu, nc, g.prefix, apps[0]!))),
        `“rate” = platform calls per stream; p50/p99 = done published → card shows it; frames coalesced, ≤ 1 card update per streamPaceMs (250 ms); ${pace}`,
      ),
    );
    await g.gw.kill('SIGTERM');
  }
  return out;
}

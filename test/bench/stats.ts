/** Small statistics and table helpers for the benchmarks. */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export const now = (): number => performance.timeOrigin + performance.now();

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** One round of a scenario. */
export interface Round {
  rate: number;
  p50: number;
  p99: number;
  lost: number;
  /** CPU time (user + system) of the measured process per 1,000 messages. */
  cpuPer1k?: number;
}

/** A round's figures from the latencies of the `total` messages sent, the first sent at `first` and the last seen at `last`. */
export function roundOf(latencies: number[], total: number, first: number, last: number): Round {
  const n = latencies.length;
  return {
    rate: n > 1 ? (n / (last - first)) * 1000 : NaN,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    lost: total - n,
  };
}

/** User + system CPU milliseconds a process has used so far (Linux /proc, 10 ms resolution). */
export function cpuMs(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}

/** Measures the CPU a process spends on `n` messages during `run`. */
export async function withCpu(pid: number | undefined, n: number, run: () => Promise<Round>): Promise<Round> {
  const before = cpuMs(pid);
  const r = await run();
  return { ...r, cpuPer1k: ((cpuMs(pid) - before) / n) * 1000 };
}

/** Median and spread of one figure over the rounds. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: number[]): Spread {
  const ok = values.filter((v) => Number.isFinite(v));
  if (!ok.length) return { median: NaN, min: NaN, max: NaN };
  return { median: median(ok), min: Math.min(...ok), max: Math.max(...ok) };
}

export interface Row {
  scenario: string;
  system: string;
  rounds: number;
  rate: Spread;
  p50?: Spread;
  p99?: Spread;
  cpuPer1k?: Spread;
  lost: number;
  /** rate / baseline rate (medians). */
  ratio?: number;
  extra?: Record<string, unknown>;
  note: string;
}

export function summarise(scenario: string, system: string, rounds: Round[], note: string, baseline?: Row): Row {
  const row: Row = {
    scenario,
    system,
    rounds: rounds.length,
    rate: spread(rounds.map((r) => r.rate)),
    p50: spread(rounds.map((r) => r.p50)),
    p99: spread(rounds.map((r) => r.p99)),
    cpuPer1k: spread(rounds.map((r) => r.cpuPer1k ?? NaN)),
    lost: rounds.reduce((a, r) => a + r.lost, 0),
    note,
  };
  if (baseline) row.ratio = row.rate.median / baseline.rate.median;
  return row;
}

export function rssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export function loadavg(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

const fmt = (v: number, digits = 0): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const fmtSpread = (s: Spread | undefined, digits: number): string =>
  s && Number.isFinite(s.median) ? `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})` : '-';

/** The table printed at the end: medians with (min–max) over the rounds. */
export function formatTable(rows: Row[]): string {
  const head = [
    'scenario',
    'system',
    'n',
    'rate/s median (min–max)',
    'p50 ms',
    'p99 ms',
    'CPU ms/1k msgs',
    'lost',
    'vs base',
    'what it measures',
  ];
  const body = rows.map((r) => [
    r.scenario,
    r.system,
    String(r.rounds),
    fmtSpread(r.rate, 0),
    fmtSpread(r.p50, 1),
    fmtSpread(r.p99, 1),
    fmtSpread(r.cpuPer1k, 0),
    String(r.lost),
    r.ratio === undefined ? '' : r.ratio.toFixed(2),
    r.note,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join(' | ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

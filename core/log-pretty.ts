import type { DestinationStream } from 'pino';

/** pino's numeric levels, as a person reads them. */
const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: 'TRACE', color: '\x1b[90m' },
  20: { name: 'DEBUG', color: '\x1b[90m' },
  30: { name: 'INFO ', color: '\x1b[32m' },
  40: { name: 'WARN ', color: '\x1b[33m' },
  50: { name: 'ERROR', color: '\x1b[31m' },
  60: { name: 'FATAL', color: '\x1b[41m' },
};
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

/** Fields every line has, or that the line shows in its own place. */
const SHOWN_ELSEWHERE = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname', 'channel', 'account', 'hint']);

/**
 * One JSON log line as one readable line: `19:37:08 INFO  webchat/default  web chat page ready  url=...`,
 * with a `hint` on its own line below. Fields the message already states are left out. A line that is
 * not JSON is passed through.
 */
export function prettyLine(json: string, color: boolean): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const paint = (code: string, s: string) => (color ? `${code}${s}${RESET}` : s);
  const level = LEVELS[o.level as number] ?? { name: String(o.level).toUpperCase().padEnd(5), color: '' };
  const time = typeof o.time === 'string' ? o.time.slice(11, 19) : new Date(Number(o.time ?? Date.now())).toISOString().slice(11, 19);
  const msg = String(o.msg ?? '');
  const who = o.channel !== undefined ? `${String(o.channel)}/${String(o.account ?? '')}  ` : '';
  const fields = Object.entries(o)
    .filter(([k, v]) => !SHOWN_ELSEWHERE.has(k) && v !== undefined && !(typeof v === 'string' && v !== '' && msg.includes(v)))
    .map(([k, v]) => `${k}=${field(v)}`);
  const rest = fields.length ? `  ${paint(DIM, fields.join(' '))}` : '';
  const hint = typeof o.hint === 'string' ? `\n${' '.repeat(15)}${paint(DIM, `hint: ${o.hint}`)}` : '';
  return `${paint(DIM, time)} ${paint(level.color, level.name)} ${who}${msg}${rest}${hint}\n`;
}

function field(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v !== null && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string')
    return JSON.stringify((v as { message: string }).message);
  return JSON.stringify(v);
}

/**
 * A pino destination that writes readable lines to `out`, synchronously: what the terminal shows is in
 * the order it was logged, and a banner written to the same terminal right after comes after it.
 */
export function prettyDestination(out: { write(s: string): unknown }, color: boolean): DestinationStream {
  return { write: (line: string) => void out.write(prettyLine(line, color)) };
}

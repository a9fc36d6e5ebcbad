const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration in config: milliseconds as a number, or a string such as `500ms`, `30s`, `8h`, `7d`. */
export const DurationPattern = '^\\d+(\\.\\d+)?(ms|s|m|h|d)$';

/** Milliseconds of a config duration (already validated against `DurationPattern`). */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) throw new RangeError(`not a duration: ${JSON.stringify(value)} (write e.g. 500ms, 30s, 8h)`);
  return Math.round(Number(m[1]) * UNITS[m[2]!]!);
}

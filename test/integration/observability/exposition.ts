/** One sample line of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric family: its `# TYPE`, `# HELP` and samples. */
export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count'] };
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/y;

/**
 * Parses the text format (0.0.4) as strictly as Prometheus does: every sample belongs to a family
 * declared by `# TYPE` before it, names and labels are well formed, values are numbers, a family is
 * declared once. Throws with the line that is wrong.
 */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | undefined;
  for (const [i, line] of text.split('\n').entries()) {
    const where = `line ${i + 1}: ${line}`;
    if (!line.trim()) continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      if (kind === 'TYPE') {
        if (family.type !== 'untyped') throw new Error(`family declared twice at ${where}`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`bad type at ${where}`);
        family.type = rest;
      } else family.help = rest;
      families.set(name, family);
      current = family;
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \d+)?$/.exec(line);
    if (!m) throw new Error(`not a sample at ${where}`);
    const [, name, , labelText, raw] = m as unknown as [string, string, string | undefined, string | undefined, string];
    // Go's ParseFloat, which Prometheus uses, takes NaN in any case (prom-client writes "Nan").
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw.toLowerCase() === 'nan' ? NaN : Number(raw);
    if (Number.isNaN(value) && raw.toLowerCase() !== 'nan') throw new Error(`bad value at ${where}`);
    const labels: Record<string, string> = {};
    if (labelText) {
      LABEL.lastIndex = 0;
      let pos = 0;
      while (pos < labelText.length) {
        LABEL.lastIndex = pos;
        const l = LABEL.exec(labelText);
        if (!l) throw new Error(`bad labels at ${where}`);
        labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
        pos = LABEL.lastIndex;
        if (labelText[pos] === ',') pos++;
      }
    }
    const allowed = current ? [current.name, ...(SUFFIXES[current.type] ?? []).map((s) => current!.name + s)] : [];
    if (!current || !allowed.includes(name)) throw new Error(`sample outside its family at ${where}`);
    current.samples.push({ name, labels, value });
  }
  return families;
}

/** The value of the one sample named `name` whose labels are exactly `labels`, or undefined. */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families.values()) {
    const s = f.samples.find(
      (x) =>
        x.name === name &&
        Object.keys(x.labels).length === Object.keys(labels).length &&
        Object.entries(labels).every(([k, v]) => x.labels[k] === v),
    );
    if (s) return s.value;
  }
  return undefined;
}

/** Fetches and parses `/metrics`. */
export async function scrape(baseUrl: string): Promise<Map<string, Family>> {
  const res = await fetch(`${baseUrl}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  if (!String(res.headers.get('content-type')).startsWith('text/plain; version=0.0.4'))
    throw new Error(`content-type ${res.headers.get('content-type')}`);
  return parseExposition(await res.text());
}

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** Every .ts file under `dir`, tests and build output left out. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name === 'test') return [];
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** The files a file imports by relative path (type-only imports included: they tie the two together too). */
function imports(file: string, known: Set<string>): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s+['"](\.[^'"]+)['"]/g)) {
    const base = resolve(dirname(file), m[1]!);
    const target = [`${base}.ts`, join(base, 'index.ts')].find((c) => known.has(c));
    if (target) out.push(target);
  }
  return out;
}

/** Strongly connected components with more than one node (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const meta = new Map<string, { index: number; low: number; onStack: boolean }>();
  const found: string[][] = [];
  const visit = (v: string) => {
    meta.set(v, { index, low: index, onStack: true });
    index++;
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!meta.has(w)) {
        visit(w);
        meta.get(v)!.low = Math.min(meta.get(v)!.low, meta.get(w)!.low);
      } else if (meta.get(w)!.onStack) meta.get(v)!.low = Math.min(meta.get(v)!.low, meta.get(w)!.index);
    }
    if (meta.get(v)!.low === meta.get(v)!.index) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        meta.get(w)!.onStack = false;
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!meta.has(v)) visit(v);
  return found;
}

const files = ['core', 'plugins', 'examples'].flatMap((d) => sources(join(ROOT, d)));
const known = new Set(files);
const graph = new Map(files.map((f) => [f, imports(f, known)]));
const rel = (f: string) => relative(ROOT, f);

test('structure - no import cycles between source files', () => {
  expect(graph.size).toBeGreaterThan(50);
  expect(cycles(graph).map((c) => c.map(rel))).toEqual([]);
});

test("structure - no import cycles between core's folders", () => {
  const folderOf = (f: string) => rel(f).split('/').slice(0, 2).join('/').replace(/\.ts$/, '');
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    if (!rel(file).startsWith('core/')) continue;
    const from = folderOf(file);
    const edges = folders.get(from) ?? new Set<string>();
    folders.set(from, edges);
    for (const t of targets) if (rel(t).startsWith('core/') && folderOf(t) !== from) edges.add(folderOf(t));
  }
  const folderGraph = new Map([...folders].map(([k, v]) => [k, [...v]]));
  expect(cycles(folderGraph)).toEqual([]);
});

test('structure - a plugin imports no other plugin, and core names no plugin outside the loader', () => {
  for (const [file, targets] of graph) {
    const from = rel(file);
    for (const t of targets.map(rel)) {
      if (from.startsWith('plugins/')) expect(`${from} -> ${t}`).not.toMatch(new RegExp(`-> plugins/(?!${from.split('/')[1]}/)`));
      if (from.startsWith('core/') && from !== 'core/plugin/loader.ts') expect(`${from} -> ${t}`).not.toMatch(/-> plugins\//);
    }
  }
});

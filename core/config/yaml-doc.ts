import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isCollection, isMap, isPair, isScalar, isSeq, visit, type Document, type Node } from 'yaml';
import { pointerToPath } from '../contract/validate';
import { substituteEnv } from './env';
import type { ConfigIssue } from './issues';
import { explainYamlError } from './yaml-errors';

/** A parsed YAML file that can say where any value of it came from. */
export class YamlSource {
  private readonly lines = new LineCounter();
  readonly doc: Document;
  /** `${VAR}` problems keyed by the path of the value that holds them. */
  readonly envProblems: Array<{ path: (string | number)[]; message: string; hint: string; variable?: string }> = [];

  constructor(
    readonly file: string,
    private readonly text = readFileSync(file, 'utf8'),
  ) {
    // Repeated keys are found by `duplicateKeys()`, which names them and lets every other check run.
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: false });
  }

  /** True when the file holds no YAML value at all (empty, or only comments). */
  get empty(): boolean {
    return this.doc.contents === null;
  }

  /** YAML syntax errors in plain words, each at its line and column; one per line (the parser's follow-ups repeat it). */
  syntaxIssues(): ConfigIssue[] {
    const seenLines = new Set<number>();
    const out: ConfigIssue[] = [];
    for (const e of [...this.doc.errors, ...this.doc.warnings]) {
      const plain = explainYamlError(e, this.text);
      const { line, col } = this.lines.linePos(plain.offset);
      if (seenLines.has(line)) continue;
      seenLines.add(line);
      out.push({ file: this.file, line, col, path: '', message: plain.message, hint: plain.hint });
    }
    return out;
  }

  /** Keys written twice in one mapping, at the repeat: YAML would silently keep only the last value. */
  duplicateKeys(): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    visit(this.doc, {
      Map: (_key, node, ancestors) => {
        const first = new Map<unknown, Node>();
        for (const pair of node.items) {
          if (!isScalar(pair.key)) continue;
          const earlier = first.get(pair.key.value);
          if (!earlier) {
            first.set(pair.key.value, pair.key);
            continue;
          }
          const name = String(pair.key.value);
          const path = [...pathOf(ancestors, node), name];
          const { line, col } = this.lines.linePos(pair.key.range?.[0] ?? 0);
          const firstLine = this.lines.linePos(earlier.range?.[0] ?? 0).line;
          out.push({
            file: this.file,
            line,
            col,
            path: pointerToPath(`/${path.join('/')}`),
            message: `key "${name}" is written twice in this block (first on line ${firstLine})`,
            hint: 'keep one of them: YAML would silently use only the last value',
          });
        }
      },
    });
    return out;
  }

  /** Replaces `${VAR}` references in string scalars, remembering what was missing where. */
  substitute(env: NodeJS.ProcessEnv): void {
    visit(this.doc, {
      Scalar: (_key, node, ancestors) => {
        if (typeof node.value !== 'string' || !node.value.includes('$')) return;
        const result = substituteEnv(node.value, env);
        const path = pathOf(ancestors, node);
        for (const name of result.missing) {
          this.envProblems.push({
            path,
            variable: name,
            message: `environment variable ${name} is not set`,
            hint: `export ${name}=..., or give a default: \${${name}:-value}`,
          });
        }
        for (const ref of result.malformed) {
          this.envProblems.push({
            path,
            message: `malformed reference ${ref}`,
            hint: 'write ${NAME} or ${NAME:-default}; $$ is a literal $',
          });
        }
        node.value = result.value;
      },
    });
  }

  /** The value at `path` as written (after substitution): a scalar, or a collection as plain data. */
  valueAt(path: (string | number)[]): unknown {
    const v: unknown = path.length ? this.doc.getIn(path) : this.doc.contents;
    return isCollection(v) ? v.toJSON() : v;
  }

  toJS(): unknown {
    return this.doc.toJS() ?? {};
  }

  /** Line and column of the value at `path` (or of its key when `key`), falling back to the nearest parent. */
  locate(path: (string | number)[], key = false): { line: number; col: number } {
    for (let n = path.length; n >= 0; n--) {
      const sub = path.slice(0, n);
      if (key && n === path.length && n > 0) {
        const parent = sub.length > 1 ? this.doc.getIn(sub.slice(0, -1), true) : this.doc.contents;
        if (isMap(parent)) {
          const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === sub[sub.length - 1]);
          const r = (pair?.key as Node | undefined)?.range;
          if (r) return this.lines.linePos(r[0]);
        }
      }
      const node = (n === 0 ? this.doc.contents : this.doc.getIn(sub, true)) as Node | null | undefined;
      if (node?.range) return this.lines.linePos(node.range[0]);
    }
    return { line: 1, col: 1 };
  }
}

function pathOf(ancestors: readonly unknown[], node: unknown): (string | number)[] {
  const path: (string | number)[] = [];
  const chain = [...ancestors, node];
  for (let i = 1; i < chain.length; i++) {
    const parent = chain[i - 1];
    const child = chain[i];
    if (isPair(parent) && child === parent.value && isScalar(parent.key)) path.push(String(parent.key.value));
    if (isSeq(parent)) path.push(parent.items.indexOf(child as never));
  }
  return path;
}

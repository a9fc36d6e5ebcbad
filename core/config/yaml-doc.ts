import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isPair, isScalar, isSeq, visit, type Document, type Node } from 'yaml';
import { substituteEnv } from './env';
import type { ConfigIssue } from './issues';

/** A parsed YAML file that can say where any value of it came from. */
export class YamlSource {
  private readonly lines = new LineCounter();
  readonly doc: Document;
  /** `${VAR}` problems keyed by the path of the value that holds them. */
  readonly envProblems: Array<{ path: (string | number)[]; message: string; hint: string }> = [];

  constructor(
    readonly file: string,
    text = readFileSync(file, 'utf8'),
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
  }

  /** YAML syntax errors, each at its line and column. */
  syntaxIssues(): ConfigIssue[] {
    return [...this.doc.errors, ...this.doc.warnings].map((e) => {
      // Without prettyErrors the yaml package leaves linePos unset: locate the offset ourselves.
      const pos = e.linePos?.[0] ?? this.lines.linePos(e.pos[0]);
      const first = e.message.split('\n')[0] ?? e.message;
      return {
        file: this.file,
        line: pos.line,
        col: pos.col,
        path: '',
        message: `YAML: ${first.replace(/ at line \d+, column \d+:?$/, '')}`,
        hint: 'check indentation and quoting around this position',
      };
    });
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

import type { ErrorObject } from 'ajv';
import { createAjv, describeAjvError, pointerToPath, relevantErrors } from '../contract/validate';
import { didYouMean } from '../util/did-you-mean';
import type { ConfigIssue } from './issues';
import type { YamlSource } from './yaml-doc';

type Path = (string | number)[];

/** The validator of config files. Values that came from ${VAR} are strings: "true" and "8080" must still pass as boolean and number. */
export const configAjv = createAjv({ coerceTypes: true });

/** Where the steps of `loadConfig` put what they find: each problem located at its key or value in the file. */
export class IssueSink {
  readonly issues: ConfigIssue[] = [];

  constructor(
    readonly file: string,
    readonly source: YamlSource,
  ) {}

  at(path: Path, message: string, hint?: string, key = false): void {
    const { line, col } = this.source.locate(path, key);
    this.issues.push({ file: this.file, line, col, path: dotted(path), message, ...(hint ? { hint } : {}) });
  }
}

interface SchemaNode {
  properties?: Record<string, unknown>;
  items?: unknown;
  description?: string;
  default?: unknown;
  type?: string;
  minimum?: number;
  maximum?: number;
}

/**
 * Turns ajv's errors for a value at `base` into issues: unknown keys with a did-you-mean, missing keys,
 * and wrong values with the value found and what is expected. Values of `secretKeys` are never shown.
 */
export function reportAjv(
  errors: ErrorObject[],
  base: Path,
  schema: unknown,
  sink: IssueSink,
  opts: { knownTopKeys?: string[]; secretKeys?: readonly string[] } = {},
): void {
  // A value that fits no branch of a union (a duration: integer or "30s") gets one issue, not one per branch.
  const values = new Map<string, { path: Path; tokens: Path; messages: string[] }>();
  for (const e of relevantErrors(errors)) {
    const tokens = e.instancePath
      .split('/')
      .slice(1)
      .map((t) => (/^\d+$/.test(t) ? Number(t) : t.replace(/~1/g, '/').replace(/~0/g, '~')));
    const path = [...base, ...tokens];
    if (e.keyword === 'additionalProperties') {
      const key = String(e.params.additionalProperty);
      const known = tokens.length === 0 && opts.knownTopKeys ? opts.knownTopKeys : keysAt(schema, tokens);
      const hint = didYouMean(key, known);
      sink.at([...path, key], `unknown key "${key}"`, hint ? `did you mean "${hint}"?` : `known keys here: ${known.join(', ')}`, true);
    } else if (e.keyword === 'required') {
      const key = String(e.params.missingProperty);
      sink.at(path, `missing required key "${key}"`, nodeAt(schema, [...tokens, key])?.description);
    } else {
      const entry = values.get(e.instancePath) ?? { path, tokens, messages: [] };
      const msg = expectation(e);
      if (!entry.messages.includes(msg)) entry.messages.push(msg);
      values.set(e.instancePath, entry);
    }
  }
  for (const v of values.values()) {
    const node = nodeAt(schema, v.tokens);
    const last = v.path[v.path.length - 1];
    const shown = typeof last === 'string' && opts.secretKeys?.includes(last) ? undefined : show(sink.source.valueAt(v.path));
    const hint = node?.description ?? typeHint(node);
    if (v.messages.length > 1 && node?.description)
      sink.at(v.path, shown ? `${shown} is not a valid value here` : 'the value is not valid here', hint);
    else sink.at(v.path, `${v.messages.join(' or ')}${shown ? `, got ${shown}` : ''}`, hint);
  }
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  string: 'a string',
  array: 'a list',
  object: 'a mapping (key: value lines)',
  null: 'empty',
};

/** What one failed keyword expects, in words: `must be a whole number`, `must be at least 1`. */
function expectation(e: ErrorObject): string {
  const p = e.params as { type?: string; limit?: number; pattern?: string; format?: string };
  switch (e.keyword) {
    case 'type':
      return `must be ${String(p.type)
        .split(',')
        .map((t) => TYPE_WORDS[t] ?? t)
        .join(' or ')}`;
    case 'minimum':
      return `must be at least ${p.limit}`;
    case 'exclusiveMinimum':
      return `must be more than ${p.limit}`;
    case 'maximum':
      return `must be at most ${p.limit}`;
    case 'exclusiveMaximum':
      return `must be less than ${p.limit}`;
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must be at least ${p.limit} characters long`;
    case 'maxLength':
      return `must be at most ${p.limit} characters long`;
    case 'minItems':
      return p.limit === 1 ? 'must not be an empty list' : `must be a list of at least ${p.limit} items`;
    case 'maxItems':
      return `must be a list of at most ${p.limit} items`;
    default:
      return describeAjvError({ ...e, instancePath: '' }).replace(/^field "" /, '');
  }
}

/** For a key without a description: the form its value takes, its range and its default. */
function typeHint(node: SchemaNode | undefined): string | undefined {
  if (!node?.type || !TYPE_WORDS[node.type]) return undefined;
  const range =
    node.minimum !== undefined && node.maximum !== undefined
      ? ` from ${node.minimum} to ${node.maximum}`
      : node.minimum !== undefined
        ? ` of at least ${node.minimum}`
        : node.maximum !== undefined
          ? ` of at most ${node.maximum}`
          : '';
  const example = node.default !== undefined ? ` (default ${JSON.stringify(node.default)})` : '';
  return `${TYPE_WORDS[node.type]}${range}${example}`;
}

/** A value as an operator wrote it, short enough for one line. */
function show(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.length ? 'a list' : 'an empty list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…"` : text;
}

export function keysAt(schema: unknown, tokens: Path): string[] {
  const node = nodeAt(schema, tokens);
  return node?.properties ? Object.keys(node.properties) : [];
}

function nodeAt(schema: unknown, tokens: Path): SchemaNode | undefined {
  let node = schema as SchemaNode | undefined;
  for (const t of tokens) node = (typeof t === 'number' ? node?.items : node?.properties?.[t]) as SchemaNode | undefined;
  return node;
}

function dotted(p: Path): string {
  return pointerToPath(p.length ? `/${p.join('/')}` : '');
}

/** Issues without repeats, in file order, so an operator can fix them top to bottom. */
export function ordered(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues
    .filter((i) => {
      const k = `${i.line}:${i.col}:${i.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.col - b.col);
}

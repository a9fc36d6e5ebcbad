import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import {
  InboundSchema,
  InboundKindSchema,
  MediaRequestSchema,
  OutboundSchema,
  type InboundAny,
  type MediaRequest,
  type OutboundEnvelope,
} from './schemas';
import { didYouMean } from '../util/did-you-mean';

/** An ajv instance with the formats the contract uses; compile schemas once and keep the function. */
export function createAjv(options: { coerceTypes?: boolean } = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, ...options });
  addFormats(ajv);
  return ajv;
}

const ajv = createAjv();
/** One validator per inbound kind: an envelope is checked against the schema its `kind` names, so errors are about that kind only. */
const inboundByKind = new Map(
  InboundSchema.anyOf.map((schema) => [schema.properties.kind.const as string, { schema, fn: ajv.compile<InboundAny>(schema) }]),
);
const KINDS = InboundKindSchema.anyOf.map((k) => k.const);
const outbound = ajv.compile<OutboundEnvelope>(OutboundSchema);
const mediaRequest = ajv.compile<MediaRequest>(MediaRequestSchema);

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** Turns a JSON pointer (`/message/parts/0/type`) into the dotted path users write (`message.parts[0].type`). */
export function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, token) => (/^\d+$/.test(token) ? `${acc}[${token}]` : acc ? `${acc}.${token}` : token), '');
}

/** One readable sentence per ajv error, naming the field: `field "text" must be string`. */
export function describeAjvError(e: ErrorObject, schemaKeys?: (path: string) => string[] | undefined): string {
  const at = pointerToPath(e.instancePath);
  const field = (name: string) => (at ? `${at}.${name}` : name);
  switch (e.keyword) {
    case 'required':
      return `missing required field "${field(String(e.params.missingProperty))}"`;
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const hint = didYouMean(key, schemaKeys?.(at) ?? []);
      return `unknown field "${field(key)}"${hint ? ` (did you mean "${hint}"?)` : ''}`;
    }
    case 'enum':
      return `field "${at}" must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `field "${at}" must be ${JSON.stringify(e.params.allowedValue)}`;
    default:
      return at ? `field "${at}" ${e.message ?? 'is invalid'}` : (e.message ?? 'is invalid');
  }
}

/**
 * Keeps, of a union of objects told apart by `type` (message parts), only the errors of the branch the
 * value's `type` names; for an unknown or missing `type`, only the error about `type` itself.
 */
function pruneUnionBranches(errors: ErrorObject[]): ErrorObject[] {
  let out = errors;
  for (const union of errors.filter((e) => e.keyword === 'anyOf')) {
    if (!out.includes(union)) continue;
    const prefix = `${union.schemaPath}/`;
    const branchOf = (e: ErrorObject) => (e.schemaPath.startsWith(prefix) ? e.schemaPath.slice(prefix.length).split('/')[0] : undefined);
    const inUnion = out.filter((e) => branchOf(e) !== undefined);
    const typePath = `${union.instancePath}/type`;
    const typeMissing = (e: ErrorObject) =>
      e.instancePath === union.instancePath && e.keyword === 'required' && e.params.missingProperty === 'type';
    const aboutType = (e: ErrorObject) => e.instancePath === typePath || typeMissing(e);
    const branches = [...new Set(inUnion.map(branchOf))];
    const matching = branches.filter((b) => !inUnion.some((e) => branchOf(e) === b && aboutType(e)));
    if (matching.length === 1) out = out.filter((e) => branchOf(e) === undefined || branchOf(e) === matching[0]);
    else if (matching.length === 0) {
      const missing = inUnion.find(typeMissing);
      out = out.filter((e) => branchOf(e) === undefined || (missing ? e === missing : e.instancePath === typePath));
    }
  }
  return out;
}

/** Collapses ajv's union noise (`anyOf` plus one error per branch) into the errors worth showing. */
export function relevantErrors(all: ErrorObject[]): ErrorObject[] {
  const errors = pruneUnionBranches(all);
  const constByPath = new Map<string, unknown[]>();
  for (const e of errors) {
    if (e.keyword === 'const') {
      const list = constByPath.get(e.instancePath) ?? [];
      list.push(e.params.allowedValue);
      constByPath.set(e.instancePath, list);
    }
  }
  const out: ErrorObject[] = [];
  const seenEnum = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'anyOf') continue;
    if (e.keyword === 'const') {
      const values = constByPath.get(e.instancePath) ?? [];
      if (values.length > 1) {
        if (seenEnum.has(e.instancePath)) continue;
        seenEnum.add(e.instancePath);
        out.push({ ...e, keyword: 'enum', params: { allowedValues: values } });
        continue;
      }
    }
    out.push(e);
  }
  return out;
}

function schemaKeysAt(schema: unknown): (path: string) => string[] | undefined {
  return (path) => {
    let node = schema as { properties?: Record<string, unknown> } | undefined;
    for (const token of path ? path.replace(/\[\d+\]/g, '').split('.') : []) {
      node = node?.properties?.[token] as typeof node;
    }
    return node?.properties ? Object.keys(node.properties) : undefined;
  };
}

function check<T>(fn: ValidateFunction<T>, schema: unknown, value: unknown): Checked<T> {
  if (fn(value)) return { ok: true, value };
  const keys = schemaKeysAt(schema);
  const message = relevantErrors(fn.errors ?? [])
    .map((e) => describeAjvError(e, keys))
    .join('; ');
  return { ok: false, message };
}

/** Validates a request on `chat.media.<channel>.<account>`. */
export function checkMediaRequest(value: unknown): Checked<MediaRequest> {
  return check(mediaRequest, MediaRequestSchema, value);
}

/** Validates an inbound envelope (a message or an event) a plugin produced. */
export function checkInbound(value: unknown): Checked<InboundAny> {
  const kind = (value as { kind?: unknown } | null)?.kind;
  const branch = typeof kind === 'string' ? inboundByKind.get(kind) : undefined;
  if (!branch) {
    return {
      ok: false,
      message:
        kind === undefined
          ? 'missing required field "kind"'
          : `field "kind" must be one of ${KINDS.map((k) => JSON.stringify(k)).join(', ')}`,
    };
  }
  return check(branch.fn, branch.schema, value);
}

/**
 * Validates an outbound envelope an agent sent, including the rules a JSON Schema states poorly: what
 * goes together. An envelope does one thing: sends a message (a target and a body: `text`, `native`,
 * `attachments`, or `stream: true`), edits one (`edit` and the new `text`), deletes one, reacts, or
 * shows typing.
 */
export function checkOutbound(value: unknown): Checked<OutboundEnvelope> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      message: `the envelope must be a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`,
    };
  }
  const result = check(outbound, OutboundSchema, value);
  if (!result.ok) return result;
  const problem = shapeProblem(result.value);
  return problem ? { ok: false, message: problem } : result;
}

/** Fields of a message body: none of them goes with `delete`, `react` or `typing`. */
const BODY = ['text', 'format', 'native', 'stream', 'done', 'actions', 'attachments'] as const;

function shapeProblem(env: OutboundEnvelope): string | undefined {
  const q = (k: string) => `"${k}"`;
  const ops = (['edit', 'delete', 'react', 'typing'] as const).filter((k) => env[k] !== undefined);
  if (ops.length > 1) return `${ops.map(q).join(' and ')} cannot go in one envelope: send one envelope for each`;
  const op = ops[0];
  if (op === 'delete' || op === 'react' || op === 'typing') {
    const extra = BODY.filter((k) => env[k] !== undefined);
    if (extra.length) return `field ${q(op)} goes alone: remove ${extra.map(q).join(', ')}`;
    if (op === 'typing' && !env.conversation && env.replyTo === undefined)
      return 'missing target: "typing" needs "conversation.id" or "replyTo"';
    return undefined;
  }
  if (env.done && op !== 'edit')
    return 'field "done" needs "edit": a stream is opened with "stream": true and its frames name it in "edit"';
  if (env.actions && env.native !== undefined) return 'field "actions" cannot go with "native": put the buttons in the native payload';
  if (op === 'edit') {
    if (env.stream) return 'field "stream" opens a new message; a frame of an open stream has only "edit" (and "done" for the last)';
    if (env.attachments) return 'field "attachments" cannot go with "edit": send the files in a new message';
    if (env.text === undefined && env.native === undefined)
      return 'missing body: an edit replaces the whole message: set "text" (the full snapshot, not a delta)';
    if (env.done && env.native === undefined && env.text!.trim() === '')
      return 'field "text" is empty: the final frame is what the message shows';
    return undefined;
  }
  if (!env.conversation && env.replyTo === undefined) return 'missing target: set "conversation.id" or "replyTo"';
  if (env.text === undefined && env.native === undefined && !env.attachments && !env.stream) {
    return 'missing body: set "text" (or "native" for a platform payload, "attachments" for files)';
  }
  if (env.native === undefined && !env.attachments && !env.stream && env.text!.trim() === '') {
    return 'field "text" is empty: no platform sends a blank message';
  }
  return undefined;
}

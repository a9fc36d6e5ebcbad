import { MediaKindSchema, type InboundKind, type MediaKind } from '../contract/schemas';

/**
 * What a channel can do, declared in its manifest (plugin API 1.2). Core reads it to degrade what the
 * platform lacks, and publishes it with the instance's status so agents can ask.
 */
export interface Capabilities {
  /**
   * `native`: the platform streams (CardKit cards, Slack streams, Telegram drafts); `edit`: a stream is
   * shown by editing one message at the platform's pace; `none`: only the final text is sent.
   */
  streaming?: 'native' | 'edit' | 'none';
  /** `edit()` replaces a sent message's content. */
  edit?: boolean;
  /** `delete()` recalls a sent message. */
  delete?: boolean;
  /** Buttons under a message, up to `max` each; without, core writes them as a numbered list. */
  actions?: { max: number };
  /** `react()` sets and removes the bot's reactions. */
  reactions?: boolean;
  /** `typing()` shows a working indicator. */
  typing?: boolean;
  /** Files both ways: which kinds, and the largest the platform takes of each (bytes). */
  media?: { kinds: MediaKind[]; maxBytes?: Partial<Record<MediaKind, number>> };
  /** Inbound kinds the plugin can publish (messages always). */
  events?: InboundKind[];
}

/**
 * The message features of a platform that has them all: native streaming, edits, deletes, ten buttons
 * a message, reactions and typing. Spread it and say what differs:
 * `capabilities: { ...ALL_MESSAGE_FEATURES, streaming: 'edit', media: everyMediaKind(MAX_BYTES) }`.
 */
export const ALL_MESSAGE_FEATURES = {
  streaming: 'native',
  edit: true,
  delete: true,
  actions: { max: 10 },
  reactions: true,
  typing: true,
} as const satisfies Capabilities;

/**
 * `capabilities.media` of a platform that takes files of every kind: each up to `maxBytes`, or up to
 * its own limit when `maxBytes` gives one per kind. Without it no limit is declared (`media.maxBytes`
 * of the gateway still applies).
 */
export function everyMediaKind(maxBytes?: number | Partial<Record<MediaKind, number>>): NonNullable<Capabilities['media']> {
  const kinds = MediaKindSchema.anyOf.map((k) => k.const);
  if (maxBytes === undefined) return { kinds };
  return { kinds, maxBytes: typeof maxBytes === 'number' ? Object.fromEntries(kinds.map((k) => [k, maxBytes])) : maxBytes };
}

/** Capabilities with every field present: what core and the status record use. */
export interface ResolvedCapabilities {
  streaming: 'native' | 'edit' | 'none';
  edit: boolean;
  delete: boolean;
  actions: { max: number } | false;
  reactions: boolean;
  typing: boolean;
  media: { kinds: MediaKind[]; maxBytes: Partial<Record<MediaKind, number>> };
  events: InboundKind[];
}

/** A manifest's capabilities with the defaults of a plugin that declares none (plugin API 1.0/1.1). */
export function resolveCapabilities(c: Capabilities = {}): ResolvedCapabilities {
  const edit = c.edit ?? (c.streaming === 'native' || c.streaming === 'edit');
  return {
    streaming: c.streaming ?? (edit ? 'edit' : 'none'),
    edit,
    delete: c.delete ?? false,
    actions: c.actions && c.actions.max > 0 ? { max: c.actions.max } : false,
    reactions: c.reactions ?? false,
    typing: c.typing ?? false,
    media: { kinds: c.media?.kinds ?? [], maxBytes: c.media?.maxBytes ?? {} },
    events: [...new Set<InboundKind>(['message', ...(c.events ?? [])])],
  };
}

/** The adapter method each capability needs. */
const METHODS: Array<[keyof Capabilities, string, (c: ResolvedCapabilities) => boolean]> = [
  ['edit', 'edit', (c) => c.edit || c.streaming !== 'none'],
  ['delete', 'delete', (c) => c.delete],
  ['reactions', 'react', (c) => c.reactions],
  ['typing', 'typing', (c) => c.typing],
  ['media', 'fetchMedia', (c) => c.media.kinds.length > 0],
];

/** What is wrong between declared capabilities and the adapter's methods (empty when they agree). */
export function capabilityProblems(c: Capabilities | undefined, adapter: { prototype: object }): string[] {
  const r = resolveCapabilities(c);
  const problems: string[] = [];
  if (c?.streaming && c.streaming !== 'none' && c.edit === false)
    problems.push(`capabilities.streaming "${c.streaming}" needs edit: a stream is edited into place`);
  for (const [key, method, declared] of METHODS) {
    if (declared(r) && typeof (adapter.prototype as Record<string, unknown>)[method] !== 'function') {
      problems.push(`capabilities.${key} is declared but the adapter has no ${method}() method`);
    }
  }
  if (c?.actions && !(Number.isInteger(c.actions.max) && c.actions.max >= 1 && c.actions.max <= 10))
    problems.push('capabilities.actions.max must be a whole number from 1 to 10');
  return problems;
}

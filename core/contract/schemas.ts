import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { RECEIPT_CODES } from '../errors';

/**
 * The wire contract between the gateway, its plugins and agent backends: JSON Schemas (draft 2019-09
 * compatible) built with TypeBox, so the TypeScript types below are derived from the very schemas the
 * gateway validates against. Exported from `chat-gateway` for users who validate on their side.
 */

/** A channel or account name: safe as a NATS subject token. */
export const NamePattern = '^[A-Za-z0-9_-]{1,64}$';
const Name = Type.String({ pattern: NamePattern });
const NonEmpty = Type.String({ minLength: 1 });
const Time = Type.String({ format: 'date-time', description: 'ISO 8601 UTC timestamp' });

const strict = { additionalProperties: false } as const;

const TextPart = Type.Object({ type: Type.Literal('text'), text: Type.String() }, strict);
const MentionPart = Type.Object(
  {
    type: Type.Literal('mention'),
    id: Type.String({ description: 'platform id of the mentioned user; "all" for @everyone' }),
    name: Type.String(),
    self: Type.Boolean({ description: 'true when the mention is this bot' }),
  },
  strict,
);
const LinkPart = Type.Object({ type: Type.Literal('link'), url: NonEmpty, text: Type.Optional(Type.String()) }, strict);
const CodePart = Type.Object({ type: Type.Literal('code'), text: Type.String(), language: Type.Optional(Type.String()) }, strict);
const MediaPart = Type.Object(
  {
    type: Type.Union([Type.Literal('image'), Type.Literal('file'), Type.Literal('audio'), Type.Literal('video'), Type.Literal('sticker')]),
    ref: Type.String({ description: 'platform key of the resource (e.g. Feishu image_key / file_key)' }),
    name: Type.Optional(Type.String()),
    durationMs: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  strict,
);
const SharePart = Type.Object(
  {
    type: Type.Literal('share'),
    kind: Type.Union([Type.Literal('chat'), Type.Literal('user')]),
    id: Type.String(),
    name: Type.Optional(Type.String()),
  },
  strict,
);
const CardPart = Type.Object({ type: Type.Literal('card'), title: Type.Optional(Type.String()), text: Type.String() }, strict);

export const PartSchema = Type.Union([TextPart, MentionPart, LinkPart, CodePart, MediaPart, SharePart, CardPart]);

export const InboundSchema = Type.Object(
  {
    v: Type.Literal(1),
    kind: Type.Literal('message'),
    id: Type.String({ minLength: 1, description: '<channel>:<account>:<platform message id>; the dedup key' }),
    channel: Name,
    account: Name,
    time: Time,
    conversation: Type.Object(
      {
        id: NonEmpty,
        type: Type.Union([Type.Literal('direct'), Type.Literal('group')]),
        thread: Type.Optional(NonEmpty),
        name: Type.Optional(Type.String()),
      },
      strict,
    ),
    sender: Type.Object(
      {
        id: NonEmpty,
        name: Type.Optional(Type.String()),
        kind: Type.Union([Type.Literal('user'), Type.Literal('bot')]),
      },
      strict,
    ),
    message: Type.Object(
      {
        id: NonEmpty,
        text: Type.String({ description: 'readable rendering of all parts' }),
        parts: Type.Array(PartSchema),
        mentioned: Type.Boolean({ description: 'true when this bot (or everyone) is mentioned' }),
        replyTo: Type.Optional(NonEmpty),
      },
      strict,
    ),
    session: NonEmpty,
    raw: Type.Optional(Type.Unknown()),
  },
  { ...strict, $id: 'chat-gateway/inbound.json', title: 'Inbound message envelope' },
);

export const OutboundSchema = Type.Object(
  {
    v: Type.Optional(Type.Literal(1)),
    id: Type.String({ minLength: 1, maxLength: 64, description: "the agent's idempotency key" }),
    conversation: Type.Optional(Type.Object({ id: NonEmpty }, strict)),
    replyTo: Type.Optional(NonEmpty),
    text: Type.Optional(Type.String()),
    format: Type.Optional(Type.Union([Type.Literal('plain'), Type.Literal('markdown')])),
    native: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'platform-specific payload, checked by the plugin' })),
  },
  { ...strict, $id: 'chat-gateway/outbound.json', title: 'Outbound message envelope' },
);

/** The receipt error codes: the `receipt` entries of the error catalogue (`core/errors.ts`). */
export const ErrorCodeSchema = Type.Union(RECEIPT_CODES.map((c) => Type.Literal(c)));

export const ReceiptSchema = Type.Object(
  {
    v: Type.Literal(1),
    kind: Type.Literal('receipt'),
    id: Type.Optional(Type.String({ description: 'the outbound envelope id; absent when the payload had none' })),
    channel: Type.String(),
    account: Type.String(),
    ok: Type.Boolean(),
    messageIds: Type.Optional(Type.Array(Type.String())),
    attempts: Type.Integer({ minimum: 0 }),
    time: Time,
    error: Type.Optional(
      Type.Object(
        {
          code: ErrorCodeSchema,
          message: Type.String(),
          platformCode: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
          retryable: Type.Boolean(),
        },
        strict,
      ),
    ),
  },
  { ...strict, $id: 'chat-gateway/receipt.json', title: 'Delivery receipt' },
);

export const StatusStateSchema = Type.Union([
  Type.Literal('starting'),
  Type.Literal('connected'),
  Type.Literal('reconnecting'),
  Type.Literal('failed'),
  Type.Literal('stopped'),
]);

export const StatusSchema = Type.Object(
  {
    v: Type.Literal(1),
    kind: Type.Literal('status'),
    channel: Name,
    account: Name,
    state: StatusStateSchema,
    detail: Type.Optional(Type.String()),
    time: Time,
  },
  { ...strict, $id: 'chat-gateway/status.json', title: 'Instance status' },
);

export type Part = Static<typeof PartSchema>;
export type InboundEnvelope = Static<typeof InboundSchema>;
export type OutboundEnvelope = Static<typeof OutboundSchema>;
export type Receipt = Static<typeof ReceiptSchema>;
export type { ErrorCode } from '../errors';
export type StatusState = Static<typeof StatusStateSchema>;
export type StatusEvent = Static<typeof StatusSchema>;

/** Every contract schema by file name, for `schemas/*.json` and for users who validate on their side. */
export const contractSchemas: Record<string, TSchema> = {
  'inbound.json': InboundSchema,
  'outbound.json': OutboundSchema,
  'receipt.json': ReceiptSchema,
  'status.json': StatusSchema,
};

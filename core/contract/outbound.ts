import { Type } from '@sinclair/typebox';
import { RECEIPT_CODES } from '../errors';
import { NonEmpty, Time, strict } from './common';
import { MediaKindSchema } from './parts';

/** An outbound envelope id, as `edit` and `delete` name one. */
const envelopeId = (description: string) => Type.String({ minLength: 1, maxLength: 64, description });

export const ButtonSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, description: 'returned as action.id' }),
    label: Type.String({ minLength: 1, maxLength: 100 }),
    style: Type.Optional(Type.Union([Type.Literal('default'), Type.Literal('primary'), Type.Literal('danger')])),
    value: Type.Optional(
      Type.String({ maxLength: 1024, description: 'returned as action.value; kept by the gateway, never sent to the platform' }),
    ),
  },
  strict,
);

export const AttachmentSchema = Type.Object(
  {
    object: Type.String({ minLength: 1, description: 'name of the object in the media bucket (<prefix>_media)' }),
    kind: MediaKindSchema,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    mime: Type.Optional(NonEmpty),
  },
  strict,
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
    stream: Type.Optional(Type.Literal(true, { description: 'opens a streaming message; envelopes with edit fill it in' })),
    edit: Type.Optional(envelopeId('id of the envelope that created the message to replace')),
    done: Type.Optional(Type.Literal(true, { description: 'with edit: the final frame of a stream' })),
    delete: Type.Optional(envelopeId('id of the envelope that created the message to recall')),
    actions: Type.Optional(Type.Array(ButtonSchema, { minItems: 1, maxItems: 10 })),
    attachments: Type.Optional(Type.Array(AttachmentSchema, { minItems: 1, maxItems: 10 })),
    react: Type.Optional(
      Type.Object(
        {
          messageId: NonEmpty,
          emoji: Type.String({
            minLength: 1,
            maxLength: 64,
            description: "a neutral name (thumbsup, eyes, check...) or the platform's own",
          }),
          remove: Type.Optional(Type.Literal(true)),
        },
        strict,
      ),
    ),
    typing: Type.Optional(Type.Literal(true, { description: "shows the platform's working indicator until the next message there" })),
  },
  { ...strict, $id: 'chat-gateway/outbound.json', title: 'Outbound envelope' },
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
    superseded: Type.Optional(Type.Literal(true, { description: 'a stream frame a newer one replaced before it was sent' })),
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

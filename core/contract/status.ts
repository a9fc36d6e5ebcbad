import { Type } from '@sinclair/typebox';
import { Name, NonEmpty, Time, strict } from './common';
import { MediaPartTypeSchema } from './parts';
import { ErrorCodeSchema } from './outbound';

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
    capabilities: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'what the channel can do (plugin API 1.2)' })),
  },
  { ...strict, $id: 'chat-gateway/status.json', title: 'Instance status' },
);

/** A request on `chat.media.<channel>.<account>`: the bytes of a media part of an inbound message. */
export const MediaRequestSchema = Type.Object(
  { messageId: NonEmpty, ref: NonEmpty, type: MediaPartTypeSchema },
  { ...strict, $id: 'chat-gateway/media-request.json', title: 'Media fetch request' },
);

export const MediaReplySchema = Type.Union(
  [
    Type.Object(
      {
        ok: Type.Literal(true),
        object: NonEmpty,
        size: Type.Integer({ minimum: 0 }),
        mime: Type.String(),
        digest: Type.String({ description: 'SHA-256=<base64url>, as the Object Store keeps it' }),
        name: Type.Optional(Type.String()),
      },
      strict,
    ),
    Type.Object(
      {
        ok: Type.Literal(false),
        error: Type.Object(
          { code: ErrorCodeSchema, message: Type.String(), platformCode: Type.Optional(Type.Union([Type.Integer(), Type.String()])) },
          strict,
        ),
      },
      strict,
    ),
  ],
  { $id: 'chat-gateway/media-reply.json', title: 'Media fetch reply' },
);

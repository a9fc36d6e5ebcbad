import { Type } from '@sinclair/typebox';
import { NonEmpty, strict } from './common';

/** What a file is, for the platform: how it is shown and which upload API takes it. */
export const MediaKindSchema = Type.Union([Type.Literal('image'), Type.Literal('file'), Type.Literal('audio'), Type.Literal('video')]);

/** A media part's type: a file kind, or a sticker (shown, rarely downloadable). */
export const MediaPartTypeSchema = Type.Union([...MediaKindSchema.anyOf, Type.Literal('sticker')]);

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
    type: MediaPartTypeSchema,
    ref: Type.String({
      description: 'platform key of the resource (Feishu image_key / file_key); chat.media.<channel>.<account> fetches its bytes',
    }),
    name: Type.Optional(Type.String()),
    durationMs: Type.Optional(Type.Integer({ minimum: 0 })),
    object: Type.Optional(NonEmpty),
    size: Type.Optional(Type.Integer({ minimum: 0 })),
    mime: Type.Optional(NonEmpty),
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

/** One piece of an inbound message. Media parts carry `object` (in the media bucket) once stored. */
export const PartSchema = Type.Union([TextPart, MentionPart, LinkPart, CodePart, MediaPart, SharePart, CardPart]);

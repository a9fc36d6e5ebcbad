import { Type } from '@sinclair/typebox';
import { Name, NonEmpty, Time, strict } from './common';
import { PartSchema } from './parts';

const Conversation = Type.Object(
  {
    id: NonEmpty,
    type: Type.Union([Type.Literal('direct'), Type.Literal('group')]),
    thread: Type.Optional(NonEmpty),
    name: Type.Optional(Type.String()),
  },
  strict,
);

const Sender = Type.Object(
  { id: NonEmpty, name: Type.Optional(Type.String()), kind: Type.Union([Type.Literal('user'), Type.Literal('bot')]) },
  strict,
);

/** The fields every inbound envelope has, whatever its kind. */
const common = {
  v: Type.Literal(1),
  id: Type.String({ minLength: 1, description: '<channel>:<account>:<platform message id or event key>; the dedup key' }),
  channel: Name,
  account: Name,
  time: Time,
  conversation: Conversation,
  sender: Sender,
  session: NonEmpty,
  raw: Type.Optional(Type.Unknown()),
};

export const InboundMessageSchema = Type.Object(
  {
    ...common,
    kind: Type.Literal('message'),
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
  },
  { ...strict, title: 'Inbound message' },
);

export const InboundActionSchema = Type.Object(
  {
    ...common,
    kind: Type.Literal('action'),
    action: Type.Object(
      {
        id: NonEmpty,
        value: Type.Optional(Type.String()),
        messageId: Type.Optional(NonEmpty),
        envelope: Type.Optional(
          Type.String({ minLength: 1, description: 'id of the outbound envelope that created the message the button is on' }),
        ),
      },
      strict,
    ),
  },
  { ...strict, title: 'Inbound action: a button click or a bot-menu item' },
);

export const InboundCommandSchema = Type.Object(
  {
    ...common,
    kind: Type.Literal('command'),
    command: Type.Object({ name: NonEmpty, args: Type.String({ description: 'the rest of the command line, as typed' }) }, strict),
  },
  { ...strict, title: 'Inbound slash command' },
);

export const InboundReactionSchema = Type.Object(
  {
    ...common,
    kind: Type.Literal('reaction'),
    reaction: Type.Object({ emoji: NonEmpty, messageId: NonEmpty, added: Type.Boolean() }, strict),
  },
  { ...strict, title: 'Inbound reaction' },
);

export const MemberChangeSchema = Type.Union([
  Type.Literal('bot_added'),
  Type.Literal('bot_removed'),
  Type.Literal('joined'),
  Type.Literal('left'),
  Type.Literal('opened'),
]);

export const InboundMemberSchema = Type.Object(
  {
    ...common,
    kind: Type.Literal('member'),
    member: Type.Object(
      {
        change: MemberChangeSchema,
        users: Type.Optional(Type.Array(NonEmpty, { description: 'who joined or left, when not the sender' })),
      },
      strict,
    ),
  },
  { ...strict, title: 'Inbound membership change' },
);

export const InboundRecallSchema = Type.Object(
  { ...common, kind: Type.Literal('recall'), recall: Type.Object({ messageId: NonEmpty }, strict) },
  { ...strict, title: 'Inbound recall' },
);

/** Every inbound envelope on `chat.in.<channel>.<account>`, told apart by `kind`. */
export const InboundSchema = Type.Union(
  [InboundMessageSchema, InboundActionSchema, InboundCommandSchema, InboundReactionSchema, InboundMemberSchema, InboundRecallSchema],
  { $id: 'chat-gateway/inbound.json', title: 'Inbound envelope' },
);

/** The inbound kinds, as an instance's `events:` lists them. */
export const InboundKindSchema = Type.Union([
  Type.Literal('message'),
  Type.Literal('action'),
  Type.Literal('command'),
  Type.Literal('reaction'),
  Type.Literal('member'),
  Type.Literal('recall'),
]);

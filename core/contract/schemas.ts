import type { Static, TSchema } from '@sinclair/typebox';
import { InboundActionSchema, InboundCommandSchema, InboundKindSchema, InboundMemberSchema, InboundMessageSchema } from './inbound';
import { InboundReactionSchema, InboundRecallSchema, InboundSchema } from './inbound';
import { AttachmentSchema, ButtonSchema, OutboundSchema, ReceiptSchema } from './outbound';
import { MediaKindSchema, PartSchema } from './parts';
import { MediaReplySchema, MediaRequestSchema, StatusSchema, StatusStateSchema } from './status';

/**
 * The wire contract between the gateway, its plugins and agent backends: JSON Schemas (draft 2019-09
 * compatible) built with TypeBox, so the TypeScript types below are derived from the very schemas the
 * gateway validates against. Exported from `chat-gateway` for users who validate on their side.
 */
export { NamePattern } from './common';
export { MediaKindSchema, PartSchema } from './parts';
export * from './inbound';
export { AttachmentSchema, ButtonSchema, ErrorCodeSchema, OutboundSchema, ReceiptSchema } from './outbound';
export { MediaReplySchema, MediaRequestSchema, StatusSchema, StatusStateSchema } from './status';

export type Part = Static<typeof PartSchema>;
export type MediaKind = Static<typeof MediaKindSchema>;
/** An inbound message (`kind: "message"`): what most agents read. */
export type InboundEnvelope = Static<typeof InboundMessageSchema>;
export type InboundAction = Static<typeof InboundActionSchema>;
export type InboundCommand = Static<typeof InboundCommandSchema>;
export type InboundReaction = Static<typeof InboundReactionSchema>;
export type InboundMember = Static<typeof InboundMemberSchema>;
export type InboundRecall = Static<typeof InboundRecallSchema>;
/** Any inbound envelope, a message or an event, told apart by `kind`. */
export type InboundAny = Static<typeof InboundSchema>;
/** An inbound envelope that is not a message (`action`, `command`, `reaction`, `member`, `recall`). */
export type InboundEvent = Exclude<InboundAny, InboundEnvelope>;
export type InboundKind = Static<typeof InboundKindSchema>;
export type OutboundEnvelope = Static<typeof OutboundSchema>;
export type Button = Static<typeof ButtonSchema>;
export type Attachment = Static<typeof AttachmentSchema>;
export type Receipt = Static<typeof ReceiptSchema>;
export type { ErrorCode } from '../errors';
export type StatusState = Static<typeof StatusStateSchema>;
export type StatusEvent = Static<typeof StatusSchema>;
export type MediaRequest = Static<typeof MediaRequestSchema>;
export type MediaReply = Static<typeof MediaReplySchema>;

/** Every contract schema by file name, for `schemas/*.json` and for users who validate on their side. */
export const contractSchemas: Record<string, TSchema> = {
  'inbound.json': InboundSchema,
  'outbound.json': OutboundSchema,
  'receipt.json': ReceiptSchema,
  'status.json': StatusSchema,
  'media-request.json': MediaRequestSchema,
  'media-reply.json': MediaReplySchema,
};

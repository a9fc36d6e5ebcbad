/**
 * The public entry of `chat-gateway`: the envelope contract for agent backends (schemas, types,
 * subjects, validators, error codes) and the runtime for embedding the gateway in a program.
 * Plugin authors import `chat-gateway/plugin` instead.
 */
export {
  InboundSchema,
  InboundMessageSchema,
  OutboundSchema,
  ReceiptSchema,
  StatusSchema,
  PartSchema,
  MediaRequestSchema,
  MediaReplySchema,
  contractSchemas,
  NamePattern,
} from './contract/schemas';
export type {
  Attachment,
  Button,
  InboundAction,
  InboundAny,
  InboundCommand,
  InboundEnvelope,
  InboundEvent,
  InboundKind,
  InboundMember,
  InboundReaction,
  InboundRecall,
  MediaReply,
  MediaRequest,
  OutboundEnvelope,
  Receipt,
  StatusEvent,
  StatusState,
  Part,
  ErrorCode,
} from './contract/schemas';
export { subjects, parseSubject, type Subjects } from './contract/subjects';
export { checkInbound, checkMediaRequest, checkOutbound, type Checked } from './contract/validate';
export { errorCatalog, GatewayError, DeliveryError, type GatewayErrorCode } from './errors';
export { loadConfig, type GatewayConfig, type InstanceConfig } from './config/load';
export { ConfigError, formatIssue, type ConfigIssue } from './config/issues';
export { Gateway, type GatewayOptions } from './runtime/gateway';
export type { ReloadSummary } from './runtime/reload-plan';
export type { ReloadOutcome } from './runtime/control';

/**
 * `chat-gateway/agent`: a small TypeScript client for agent backends. It speaks the documented NATS
 * subjects and envelopes (docs/agents.md), so agents in other languages can do the same by hand.
 */
export { AgentClient, type AgentClientOptions, type MessageRef } from './client';
export { StreamWriter, type DoneBody } from './stream-writer';
export type { Download } from './media';
export { AgentError, type AgentErrorCode } from './agent-error';
export type { AgentSubscription, ErrorListener, MessageHandler, OnMessageOptions, OutboundDraft, ReplyBody, SendOptions } from './types';
export type {
  Attachment,
  Button,
  ErrorCode,
  InboundAction,
  InboundAny,
  InboundCommand,
  InboundEnvelope,
  InboundEvent,
  InboundMember,
  InboundReaction,
  InboundRecall,
  OutboundEnvelope,
  Part,
  Receipt,
} from '../contract/schemas';

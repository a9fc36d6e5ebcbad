/**
 * `chat-gateway/agent`: a small TypeScript client for agent backends. It speaks the documented NATS
 * subjects and envelopes (docs/agents.md), so agents in other languages can do the same by hand.
 */
export { AgentClient, type AgentClientOptions } from './client';
export { AgentError, type AgentErrorCode } from './agent-error';
export type { AgentSubscription, ErrorListener, MessageHandler, OnMessageOptions, OutboundDraft, ReplyBody, SendOptions } from './types';
export type { InboundEnvelope, OutboundEnvelope, Receipt, Part, ErrorCode } from '../contract/schemas';

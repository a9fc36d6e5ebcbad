/**
 * The public plugin API (`chat-gateway/plugin`): everything a channel plugin needs and nothing of
 * core's internals. Import `inject` and `injectable` from here, not from tsyringe directly, so the
 * plugin and the gateway share one DI registry.
 */
import 'reflect-metadata';

export { inject, injectable } from 'tsyringe';
export { definePlugin } from './define';
export { Context, Options, Logger } from './tokens';
export { DeliveryError } from '../errors';
export { renderText, markdownToPlain, hashId } from './text';
export { chunkText } from './chunk';
export { SendProgress } from './progress';
export { sleep } from '../delivery/retry';
export { PLUGIN_API_VERSION, PLUGIN_API_MINOR, type ApiVersion } from './version';
export type {
  ChannelAdapter,
  HttpRoutes,
  InboundDraft,
  OptionsSchema,
  PluginContext,
  PluginManifest,
  PluginStore,
  PublishOutcome,
  PublishResult,
  RouteHandler,
  SendInfo,
  SendResult,
  UpgradeHandler,
} from './types';
export type { OutboundEnvelope, InboundEnvelope, Part, StatusState, ErrorCode } from '../contract/schemas';

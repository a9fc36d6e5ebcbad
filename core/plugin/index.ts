/**
 * The public plugin API (`chat-gateway/plugin`): everything a channel plugin needs and nothing of
 * core's internals. Import `inject` and `injectable` from here, not from tsyringe directly, so the
 * plugin and the gateway share one DI registry.
 */
import 'reflect-metadata';

export { inject, injectable } from 'tsyringe';
export { Type, type Static } from '@sinclair/typebox';
// The schema types too, so a plugin's declaration files can name the type of a schema it builds.
export type * from '@sinclair/typebox';
export { definePlugin } from './define';
export { Context, Options, Logger } from './tokens';
export { DeliveryError, StartError } from '../errors';
export { renderText, markdownToPlain, hashId } from './text';
export { chunkText } from './chunk';
export { credential, urlOption } from './option-fields';
export { SendProgress } from './progress';
// The toolkit: what every plugin needs once (docs/plugins.md, "Toolkit").
export { BoundedMap } from './bounded-map';
export { Pacer } from './pacer';
export { RepeatingIndicator } from './repeating-indicator';
export { appendText } from './parts';
export { extensionOf, fileNameOf } from './file-name';
export { TimeoutError, deadline, settledWithin, sleep } from './timing';
export { backoff, type BackoffPolicy } from './backoff';
export { sdkLogger, type SdkLogger } from './sdk-logger';
export { InstanceHttp, type FetchInit, type FetchLike } from './http-client';
export { classifyFailure, type FailureTable, type PlatformFailure } from './failure';
export { PLUGIN_API_VERSION, PLUGIN_API_MINOR, type ApiVersion } from './version';
export { ALL_MESSAGE_FEATURES, everyMediaKind, resolveCapabilities, type Capabilities, type ResolvedCapabilities } from './capabilities';
export type {
  ActionButton,
  ActionDraft,
  ChannelAdapter,
  CommandDraft,
  Draft,
  EditResult,
  HttpRoutes,
  InboundDraft,
  MediaDownload,
  MediaFile,
  MemberDraft,
  PluginMedia,
  ReactionDraft,
  ReactionRequest,
  RecallDraft,
  SentMessage,
  OptionProblem,
  OptionsOf,
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
export type {
  Attachment,
  Button,
  ErrorCode,
  InboundEnvelope,
  MediaKind,
  MediaRequest,
  OutboundEnvelope,
  Part,
  StatusState,
} from '../contract/schemas';

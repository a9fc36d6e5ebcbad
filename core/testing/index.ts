/**
 * The conformance kit for channel plugins (`chat-gateway/testing`): `runConformance` registers tests
 * that run the real gateway on a real NATS with a plugin and check what every channel must do.
 * It uses the test framework's globals (or `hooks`); it never imports one.
 */
export { runConformance } from './conformance';
export { startNats, freePort, type TestNats } from './nats-server';
export type {
  AttachedGateway,
  ConformanceOptions,
  FailureKind,
  InjectResult,
  InjectedMessage,
  PlatformDriver,
  ReceivedMessage,
  TestHooks,
} from './types';

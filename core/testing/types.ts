import type { PluginManifest } from '../plugin/types';

/** A message as a user would send it on the platform; the driver turns it into the platform's own event. */
export interface InjectedMessage {
  /** The platform message id to use (or to derive one from). Injecting the same id again is a redelivery. */
  id: string;
  conversation: { id: string; type: 'direct' | 'group' };
  sender: { id: string; name?: string };
  text: string;
  /** The message mentions this bot (only for group messages, and only when the driver supports groups). */
  mentionsBot?: boolean;
}

/** What the platform did with an injected message, when it differs from what the kit asked for. */
export interface InjectResult {
  /** The platform's id of the message, which becomes the envelope's `message.id` (default: the injected `id`). */
  messageId?: string;
}

/** A message the plugin delivered to the platform. */
export interface ReceivedMessage {
  /** The conversation it appeared in: the id an inbound envelope of that conversation carries. */
  conversationId: string;
  /** Its text as the platform shows it. */
  text: string;
  /** The platform's id of the message; when given, the ok receipt must list it. */
  platformId?: string;
  /** The labels of the buttons under it, as the platform shows them now (plugin API 1.2 channels). */
  buttons?: string[];
  /** It was recalled. */
  deleted?: boolean;
}

/** How a delivery fails: `retryable` (rate limit, 5xx, recipient away for now) or `permanent` (refused for good). */
export type FailureKind = 'retryable' | 'permanent';

/**
 * The plugin author's handle on the platform (an emulator, a test server, a sandbox account). The kit
 * calls `start` once before its tests and `stop` once after them; between, it starts several gateways
 * with the plugin, each for a few tests.
 */
export interface PlatformDriver {
  /** Starts the platform (an emulator, a server). */
  start?(): Promise<void>;
  /** Stops it and releases everything `start` acquired. */
  stop?(): Promise<void>;
  /** Plugin options that point the plugin at this platform (URLs, credentials); merged over `options`. Called before each gateway starts. */
  options?(): Record<string, unknown>;
  /** Called once a gateway with the plugin is connected: wait until the platform sees the plugin, open client sessions. */
  attached?(gateway: AttachedGateway): Promise<void>;
  /** Called before that gateway stops: close what `attached` and `inject` opened. */
  detached?(): Promise<void>;
  /**
   * Sends a message to the plugin the way the platform does. Resolve once the platform considers it
   * handed over (acknowledged by the plugin), so the envelope is stored by then.
   */
  inject(message: InjectedMessage): Promise<InjectResult | void>;
  /** Everything the plugin delivered to the platform so far (the kit filters by its own texts). */
  received(): Promise<ReceivedMessage[]>;
  /**
   * Makes the platform refuse the next message sent to `conversationId` (once), in the given way.
   * Leave it out, or list the kinds the platform can produce in `supports.failures`, to skip the others.
   */
  failNext?(kind: FailureKind, conversationId: string): void;
  /**
   * A user (`sender(n)`) clicks the button labelled `label` under the platform message `platformId`, the
   * way the platform reports a click. Resolve once the plugin answered the platform's callback. Without
   * it, the kit skips the tests of clicks.
   */
  click?(platformId: string, label: string, sender: number): Promise<void>;
  /** Platform-shaped ids for the kit's test conversations and users (n = 1, 2, ...). */
  ids?: {
    /** Default `conf-direct-<n>` / `conf-group-<n>`. Where a direct conversation is the user, return `sender(n)`. */
    conversation?(type: 'direct' | 'group', n: number): string;
    /** Default `conf-user-<n>`. */
    sender?(n: number): string;
  };
  /** What the platform has. Default: no group conversations; every failure kind when `failNext` is given. */
  supports?: { groups?: boolean; failures?: FailureKind[] };
}

/** The gateway a driver is attached to. */
export interface AttachedGateway {
  channel: string;
  account: string;
  /** The gateway's HTTP base URL (plugin routes are under `/<channel>/<account>`). */
  httpUrl: string;
  natsUrl: string;
  /** The subject prefix of this gateway (`<prefix>.in.<channel>.<account>` ...). */
  prefix: string;
}

/** The test functions of the framework running the kit (jest, vitest and mocha globals fit). */
export interface TestHooks {
  describe(name: string, fn: () => void): void;
  test(name: string, fn: () => Promise<void>, timeoutMs?: number): void;
  beforeAll(fn: () => Promise<void>, timeoutMs?: number): void;
  afterAll(fn: () => Promise<void>, timeoutMs?: number): void;
  /** Registers a test that does not run (an unsupported feature). Default: `test.skip` when present. */
  skip?(name: string): void;
}

/** What `runConformance` takes. */
export interface ConformanceOptions {
  /** The plugin's manifest: the default export of its module. */
  plugin: PluginManifest;
  /** The plugin's options in a YAML entry (`platform.options()` is merged over them). */
  options?: Record<string, unknown>;
  platform: PlatformDriver;
  /** The account of the instance under test. Default `conformance`. */
  account?: string;
  /** A NATS server with JetStream to use. Default: `NATS_URL`, else a nats-server the kit starts on a free port. */
  natsUrl?: string;
  /** Timeout of each test and of each wait inside one. Default 30 s per test, 10 s per wait. */
  timeouts?: { testMs?: number; waitMs?: number };
  /** Title of the `describe` block. Default `conformance - <plugin name>`. */
  title?: string;
  /** The test framework's functions. Default: the globals `describe`, `test`, `beforeAll`, `afterAll`. */
  hooks?: TestHooks;
}

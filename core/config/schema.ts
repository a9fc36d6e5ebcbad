import { Type, type Static } from '@sinclair/typebox';
import { InboundKindSchema, MediaKindSchema, NamePattern } from '../contract/schemas';
import { DurationPattern } from './duration';

const Duration = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: DurationPattern })], {
  description: 'milliseconds, or a string such as 500ms, 30s, 8h, 7d',
});
const strict = { additionalProperties: false } as const;

export const NatsConfigSchema = Type.Object(
  {
    servers: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
      default: 'nats://127.0.0.1:4222',
      description: 'a server URL (nats://host:4222), several separated by commas, or a YAML list of URLs',
    }),
    prefix: Type.String({ pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$', default: 'chat' }),
    name: Type.String({ default: 'chat-gateway' }),
    user: Type.Optional(Type.String()),
    pass: Type.Optional(Type.String()),
    token: Type.Optional(Type.String()),
    creds: Type.Optional(Type.String({ description: 'path to a .creds file (relative to the config file)' })),
    tls: Type.Optional(
      Type.Object({ ca: Type.Optional(Type.String()), cert: Type.Optional(Type.String()), key: Type.Optional(Type.String()) }, strict),
    ),
    /** Start a local `nats-server -js` when the URL is local and nothing listens there. */
    autoStart: Type.Boolean({ default: true }),
    /** How long the inbound stream remembers envelope ids: must cover the platform's redelivery. */
    dedupWindow: Type.Union([Duration], { default: '8h' }),
    /** How long stored inbound envelopes are kept for durable agents. */
    inboundMaxAge: Type.Union([Duration], { default: '7d' }),
    /** How long an outbound envelope waits for its account before it is dropped. */
    outboundMaxAge: Type.Union([Duration], { default: '1d' }),
    /** Where replies to the gateway's requests come (`_INBOX` by default): a prefix of its own lets NATS permissions keep them from agents. */
    inboxPrefix: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+)*$', description: 'subject tokens, e.g. _GATEWAY_INBOX' }),
    ),
    /** How many JetStream servers keep each stream and bucket: 3 on a 3-node cluster survives one node lost. */
    replicas: Type.Integer({
      minimum: 1,
      maximum: 5,
      default: 1,
      description: 'a whole number from 1 to 5 (at most the JetStream servers of the cluster)',
    }),
  },
  strict,
);

export const GatewayConfigSchema = Type.Object(
  {
    nats: Type.Object(NatsConfigSchema.properties, { ...strict, default: {} }),
    http: Type.Object(
      {
        listen: Type.String({
          pattern: '^(\\[[0-9a-fA-F:]+\\]|[A-Za-z0-9.-]*):\\d{1,5}$',
          default: '127.0.0.1:8080',
          description:
            'host:port: 127.0.0.1:8080 serves this machine only, 0.0.0.0:8080 every interface (the default config reads HTTP_LISTEN)',
        }),
        enabled: Type.Boolean({ default: true }),
        /** When set, the status page, its feed and /metrics need it (`?token=` or `Authorization: Bearer`). */
        adminToken: Type.String({
          default: '',
          description: 'a long random string; empty: / and /metrics are open to whoever reaches the port',
        }),
      },
      { ...strict, default: {} },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
          { default: 'info' },
        ),
        format: Type.Union([Type.Literal('auto'), Type.Literal('pretty'), Type.Literal('json')], {
          default: 'auto',
          description: 'auto: readable lines when stdout is a terminal, JSON lines otherwise; pretty or json: always that',
        }),
      },
      { ...strict, default: {} },
    ),
    delivery: Type.Object(
      {
        maxAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 6 }),
        initialBackoff: Type.Union([Duration], { default: '500ms' }),
        maxBackoff: Type.Union([Duration], { default: '30s' }),
        /** Outbound envelopes in flight per account (conversations run in parallel up to this). */
        concurrency: Type.Integer({ minimum: 1, maximum: 1000, default: 32 }),
        /** Longest time one platform call may take before it counts as a retryable timeout. */
        sendTimeout: Type.Union([Duration], { default: '20s' }),
        /** Largest outbound payload accepted (bytes). */
        maxBytes: Type.Integer({ minimum: 1024, default: 1_048_576 }),
        /** How long an envelope whose recipient is unavailable (a deferred delivery) is kept before it fails. */
        holdFor: Type.Union([Duration], { default: '12h' }),
        /**
         * How long a delivered envelope is remembered: a repeat of its id is not sent again, and `edit`,
         * `delete` and clicks on its buttons work for that long.
         */
        remember: Type.Union([Duration], { default: '7d' }),
      },
      { ...strict, default: {} },
    ),
    media: Type.Object(
      {
        /** How long files stay in the media bucket. */
        ttl: Type.Union([Duration], { default: '24h' }),
        /** The largest file the bucket takes (bytes), both ways. */
        maxBytes: Type.Integer({ minimum: 1024, default: 30 * 1024 * 1024 }),
        /** Longest time one download from a platform may take. */
        fetchTimeout: Type.Union([Duration], { default: '60s' }),
      },
      { ...strict, default: {} },
    ),
    lifecycle: Type.Object(
      {
        startTimeout: Type.Union([Duration], { default: '30s' }),
        stopTimeout: Type.Union([Duration], { default: '10s' }),
        /** Wait before retrying an instance whose start failed; doubles up to 5 minutes. */
        restartDelay: Type.Union([Duration], { default: '5s' }),
      },
      { ...strict, default: {} },
    ),
    accounts: Type.Object(
      {
        /** Also run the plugin entries kept in the KV bucket `<prefix>_accounts` (a backend provisions them). */
        fromNats: Type.Boolean({ default: false, description: 'true or false' }),
      },
      { ...strict, default: {} },
    ),
    metrics: Type.Object(
      {
        /** Label series with `account` too; off: per channel, so 10,000 accounts cost no more series than one. */
        perAccount: Type.Boolean({ default: false, description: 'true or false; true only for up to a few hundred accounts' }),
        /** How often the outbound queues' depth and oldest age are read from NATS. */
        sampleInterval: Type.Union([Duration], { default: '15s' }),
        /** Accounts per channel and measure named by `chat_gateway_top_accounts` (0: none). */
        topAccounts: Type.Integer({ minimum: 0, maximum: 100, default: 10, description: 'a whole number from 0 to 100' }),
      },
      { ...strict, default: {} },
    ),
    plugins: Type.Array(Type.Record(Type.String(), Type.Unknown()), { default: [] }),
  },
  strict,
);

/** The keys of a plugin entry that core owns; every other key belongs to the plugin's schema. */
export const CoreEntrySchema = Type.Object({
  use: Type.String({ minLength: 1, description: 'built-in name, package name, or path relative to the config file' }),
  account: Type.String({
    pattern: NamePattern,
    default: 'default',
    description: 'letters, digits, _ and -, at most 64 characters (it becomes a NATS subject token)',
  }),
  enabled: Type.Boolean({ default: true }),
  allowFrom: Type.Optional(
    Type.Union([Type.Array(Type.String({ minLength: 1 })), Type.String()], {
      description:
        'sender ids allowed: a list, or one string of comma-separated ids (so one variable can hold several); "*" allows everyone',
    }),
  ),
  groupPolicy: Type.Union([Type.Literal('mention'), Type.Literal('open'), Type.Literal('off')], {
    default: 'mention',
    description: 'group messages: mention (only when the bot is mentioned), open (all), off (none)',
  }),
  dmPolicy: Type.Union([Type.Literal('open'), Type.Literal('pairing')], {
    default: 'open',
    description:
      'senders not allowed yet: open (allowFrom alone decides), pairing (a direct message gets a code an operator approves with `chat-gateway pair approve CODE`)',
  }),
  session: Type.Optional(
    Type.Union([Type.Literal('conversation'), Type.Literal('sender'), Type.Literal('thread')], {
      description: 'session key policy; unset: per conversation in direct chats, per sender in groups',
    }),
  ),
  includeRaw: Type.Boolean({ default: false }),
  events: Type.Array(InboundKindSchema, {
    uniqueItems: true,
    default: ['message', 'action', 'command'],
    description: 'inbound kinds published: message, action, command, reaction, member, recall',
  }),
  media: Type.Optional(
    Type.Object(
      {
        eager: Type.Array(MediaKindSchema, {
          uniqueItems: true,
          description: 'media kinds stored in the media bucket before the message is published',
        }),
      },
      { additionalProperties: false },
    ),
  ),
});

export const CORE_ENTRY_KEYS = Object.keys(CoreEntrySchema.properties);

export type GatewayConfigRaw = Static<typeof GatewayConfigSchema>;
export type CoreEntryRaw = Static<typeof CoreEntrySchema>;
/** Core's keys of an entry as the runtime uses them: `allowFrom` written as a comma-separated string is a list. */
export type CoreEntry = Omit<CoreEntryRaw, 'allowFrom'> & { allowFrom?: string[] };

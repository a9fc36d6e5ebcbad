/**
 * Every error the gateway reports, in one place, by who sees it: `receipt` codes are part of the agent
 * contract (`error.code` of a failed receipt; the receipt schema is derived from this list), `agent` codes
 * are raised by the agent client (`AgentError`), `operator` codes are what the CLI and the logs print.
 * `docs/errors.md` documents each; a test keeps them in step.
 */
export const errorCatalog = {
  E_SCHEMA: {
    audience: 'receipt',
    retryable: false,
    summary: 'the outbound payload is not JSON or breaks the envelope schema',
    fix: 'fix the field the message names; see docs/contract.md for the envelope',
  },
  E_UNKNOWN_ACCOUNT: {
    audience: 'receipt',
    retryable: false,
    summary: 'no enabled plugin instance serves the channel and account of the subject',
    fix: 'publish on chat.out.<channel>.<account> of a configured, enabled instance',
  },
  E_PLATFORM: {
    audience: 'receipt',
    retryable: false,
    summary: 'the platform refused the message or kept failing',
    fix: 'read error.platformCode and error.message; the plugin docs list common codes',
  },
  E_RATE_LIMITED: {
    audience: 'receipt',
    retryable: true,
    summary: 'the platform kept rate-limiting the message after every retry',
    fix: 'send less often or spread messages over conversations',
  },
  E_TOO_LARGE: {
    audience: 'receipt',
    retryable: false,
    summary: 'the envelope or a platform payload exceeds a size limit',
    fix: 'send less text or a smaller native payload',
  },
  E_UNSUPPORTED: {
    audience: 'receipt',
    retryable: false,
    summary: 'the plugin cannot deliver this kind of message',
    fix: 'use text/markdown or a native payload the plugin documents',
  },
  E_TIMEOUT: {
    audience: 'agent',
    retryable: true,
    summary: "no receipt arrived within the agent client's timeout",
    fix: 'the gateway may still deliver it: wait for the receipt or publish again with the same id',
  },
  E_CLOSED: {
    audience: 'agent',
    retryable: true,
    summary: 'the agent client was closed while waiting for a receipt',
    fix: 'keep the client open until the replies it sends are confirmed',
  },
  E_CONFIG: {
    audience: 'operator',
    retryable: false,
    summary: 'the configuration file is invalid',
    fix: 'fix each reported file:line:col; run chat-gateway validate -c FILE',
  },
  E_PLUGIN_LOAD: {
    audience: 'operator',
    retryable: false,
    summary: 'a plugin module could not be loaded or its manifest is wrong',
    fix: 'check the use: value and that the module default-exports definePlugin(...)',
  },
  E_NATS: {
    audience: 'operator',
    retryable: true,
    summary: 'NATS is unreachable or refused an operation',
    fix: 'check nats.servers and credentials; the server needs JetStream (-js)',
  },
  E_HTTP: {
    audience: 'operator',
    retryable: false,
    summary: 'the HTTP server cannot listen on http.listen (the port is taken, or not allowed)',
    fix: 'stop what uses the port, or pick another one with http.listen (HTTP_LISTEN in the default config)',
  },
  E_START: {
    audience: 'operator',
    retryable: true,
    summary: 'a plugin instance failed to start or timed out',
    fix: 'read the instance log lines above the error; other instances keep running',
  },
} as const satisfies Record<string, { audience: 'receipt' | 'agent' | 'operator'; retryable: boolean; summary: string; fix: string }>;

export type GatewayErrorCode = keyof typeof errorCatalog;

type CodesFor<A> = { [K in GatewayErrorCode]: (typeof errorCatalog)[K]['audience'] extends A ? K : never }[GatewayErrorCode];

/** The codes a failed receipt may carry: the contract's `error.code`. */
export type ErrorCode = CodesFor<'receipt'>;

/** The codes the agent client raises itself (`AgentError`), besides the receipt codes. */
export type AgentOnlyCode = CodesFor<'agent'>;

/** The receipt codes in catalogue order (the receipt schema's enum). */
export const RECEIPT_CODES = (Object.keys(errorCatalog) as GatewayErrorCode[]).filter(
  (c): c is ErrorCode => errorCatalog[c].audience === 'receipt',
);

/** An error with a stable code, a message saying what was wrong, and a hint saying how to fix it. */
export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

/**
 * What a plugin's `start()` throws when it cannot connect: `message` says what failed in the operator's
 * terms (which credential, which host), `hint` what to check. Reported as `E_START` on the instance's
 * status and in the log, and the start is retried with backoff.
 *
 * ```ts
 * throw new StartError('Feishu refused the app credentials (code 10014)', 'check appId and appSecret under Credentials & Basic Info');
 * ```
 */
export class StartError extends GatewayError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super('E_START', message, hint);
    this.name = 'StartError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * What a plugin's `send()` throws when the platform did not take the message. `retryable` tells core
 * whether another attempt can help; `retryAfterMs` carries the platform's reset hint.
 */
export class DeliveryError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly platformCode?: number | string;
  readonly retryAfterMs?: number;
  /** The recipient cannot take messages now (e.g. offline): keep the envelope and try later, spending no attempt. */
  readonly deferred: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable?: boolean; platformCode?: number | string; retryAfterMs?: number; deferred?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeliveryError';
    this.code = code;
    this.retryable = options.retryable ?? errorCatalog[code].retryable;
    if (options.platformCode !== undefined) this.platformCode = options.platformCode;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    this.deferred = options.deferred ?? false;
  }

  /**
   * The recipient is unavailable for now (a visitor who closed the page, a user who must come back
   * online). Core keeps the envelope in the queue and offers it again after `retryAfterMs` (default
   * 5 s) for up to `delivery.holdFor`, without spending delivery attempts.
   */
  static deferred(message: string, options: { retryAfterMs?: number } = {}): DeliveryError {
    return new DeliveryError('E_PLATFORM', message, { retryable: true, deferred: true, ...options });
  }

  /** A retryable failure: rate limits, 5xx, timeouts, a peer that is offline for now. */
  static retryable(
    message: string,
    options: { platformCode?: number | string; retryAfterMs?: number; rateLimited?: boolean; cause?: unknown } = {},
  ): DeliveryError {
    return new DeliveryError(options.rateLimited ? 'E_RATE_LIMITED' : 'E_PLATFORM', message, { ...options, retryable: true });
  }

  /** A failure no retry can fix: bad request, no permission, unknown chat. */
  static permanent(message: string, options: { code?: ErrorCode; platformCode?: number | string; cause?: unknown } = {}): DeliveryError {
    return new DeliveryError(options.code ?? 'E_PLATFORM', message, { ...options, retryable: false });
  }
}

/** Classifies anything a plugin threw (from `send`, `edit`, `fetchMedia`...): a `DeliveryError` keeps its word; anything else is a retryable platform error. */
export function toDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  if (err instanceof Error && err.name === 'DeliveryError' && 'retryable' in err) return err as DeliveryError;
  const message = err instanceof Error ? err.message : String(err);
  return DeliveryError.retryable(`unexpected error from the plugin: ${message}`, { cause: err });
}

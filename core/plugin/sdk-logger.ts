import type { Logger } from 'pino';

/** The log methods platform SDKs call (`@larksuiteoapi/node-sdk`, `@slack/*`, `dingtalk-stream`...). */
export interface SdkLogger {
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  info(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  trace(...args: unknown[]): void;
}

/**
 * An SDK's logger that writes into the instance's pino logger, tagged `component`, each line one level
 * lower than the SDK chose: the plugin reports what matters itself (connected, failed, why), and SDKs
 * log expected events (a reconnect attempt that failed) as errors that are not the operator's concern.
 * Arguments are joined into one message (errors by their message, objects as JSON).
 *
 * ```ts
 * new lark.WSClient({ ..., logger: sdkLogger(ctx.logger, 'feishu-sdk') });
 * ```
 */
export function sdkLogger(log: Logger, component: string): SdkLogger {
  const sdk = log.child({ component });
  return {
    error: (...a) => sdk.warn(text(a)),
    warn: (...a) => sdk.info(text(a)),
    info: (...a) => sdk.debug(text(a)),
    debug: (...a) => sdk.trace(text(a)),
    trace: (...a) => sdk.trace(text(a)),
  };
}

function text(args: unknown[]): string {
  return args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : json(a))).join(' ');
}

function json(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

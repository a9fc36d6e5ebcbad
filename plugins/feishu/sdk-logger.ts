import type { Logger } from 'pino';

/**
 * The SDK logs through `{ error, warn, info, debug, trace }(...args)`. Its lines go into our pino
 * logger, one level lower than the SDK chose: the channel reports what matters itself, and the SDK's
 * errors include expected ones (a failed reconnect attempt) that are not ours to shout about.
 */
export function sdkLogger(log: Logger): Record<'error' | 'warn' | 'info' | 'debug' | 'trace', (...args: unknown[]) => void> {
  const text = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : safeJson(a))).join(' ');
  const sdk = log.child({ component: 'feishu-sdk' });
  return {
    error: (...a) => sdk.warn(text(a)),
    warn: (...a) => sdk.info(text(a)),
    info: (...a) => sdk.debug(text(a)),
    debug: (...a) => sdk.trace(text(a)),
    trace: (...a) => sdk.trace(text(a)),
  };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

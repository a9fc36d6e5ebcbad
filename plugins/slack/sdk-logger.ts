import { LogLevel, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from 'pino';

/**
 * The Slack SDKs log through `{ debug, info, warn, error, setLevel, getLevel, setName }`. Their lines go
 * into our pino logger one level lower than the SDK chose: the channel reports what matters itself, and
 * the SDK's errors include expected ones (a socket closed during a refresh) that are not ours to shout about.
 */
export function slackLogger(log: Logger): SlackLogger {
  const text = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : safeJson(a))).join(' ');
  const sdk = log.child({ component: 'slack-sdk' });
  return {
    debug: (...a: unknown[]) => sdk.trace(text(a)),
    info: (...a: unknown[]) => sdk.debug(text(a)),
    warn: (...a: unknown[]) => sdk.info(text(a)),
    error: (...a: unknown[]) => sdk.warn(text(a)),
    // The SDKs format their debug lines only when the level says DEBUG: keep them cheap.
    getLevel: () => LogLevel.INFO,
    setLevel: () => undefined,
    setName: () => undefined,
  };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

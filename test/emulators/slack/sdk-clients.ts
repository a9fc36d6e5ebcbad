/** The real Slack SDK clients pointed at an emulator, for the emulator's own tests. */
import { SocketModeClient } from '@slack/socket-mode';
import { LogLevel, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import type { AppInfo, SlackEmulator } from './index';

/** A logger that keeps the SDKs' lines instead of printing them. */
export function recordingLogger(lines: string[] = []): SlackLogger {
  const rec =
    (level: string) =>
    (...a: unknown[]) =>
      void lines.push(`${level} ${a.map(String).join(' ')}`);
  return {
    debug: rec('debug'),
    info: rec('info'),
    warn: rec('warn'),
    error: rec('error'),
    setLevel: () => undefined,
    getLevel: () => LogLevel.DEBUG,
    setName: () => undefined,
  };
}

export const webClient = (emu: SlackEmulator, token: string) =>
  new WebClient(token, { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logger: recordingLogger() });

/** What an SDK call failed with: its code, Slack's error and data, the Retry-After of a 429. */
export async function slackError(
  p: Promise<unknown>,
): Promise<{ code: string; error?: string; data?: Record<string, unknown>; retryAfter?: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: string; data?: { error?: string }; retryAfter?: number };
    return {
      code: e.code,
      ...(e.data?.error ? { error: e.data.error } : {}),
      ...(e.data ? { data: e.data } : {}),
      ...(e.retryAfter !== undefined ? { retryAfter: e.retryAfter } : {}),
    };
  }
  throw new Error('expected the call to fail');
}

export interface Envelope {
  type: string;
  envelope_id: string;
  body: Record<string, unknown>;
  ack: (response?: Record<string, unknown>) => Promise<void>;
}

/** A Socket Mode client of the app that records every envelope and acks it unless told not to. */
export async function socketClient(emu: SlackEmulator, app: AppInfo, ack = true) {
  const received: Envelope[] = [];
  const client = new SocketModeClient({
    appToken: app.appToken,
    logger: recordingLogger(),
    autoReconnectEnabled: false,
    clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
  });
  client.on('slack_event', (e: Envelope) => {
    received.push(e);
    if (ack) void e.ack();
  });
  await client.start();
  return { client, received };
}

/** An app, a person and a channel with both, and the person's DM with the bot. */
export function world(emu: SlackEmulator, opts: { assistant?: boolean; scopes?: string[] } = {}) {
  const app = emu.addApp({ name: 'Data Bot', ...opts });
  const tom = emu.addUser({ name: 'tom', realName: 'Tom Li', displayName: 'Tom' });
  const channel = emu.addChannel({ name: 'sales', members: [app.botUserId, tom.id] }).id;
  return { app, tom, channel, dm: emu.dm(app.appId, tom.id) };
}

/** Polls `check` until it holds (or fails after `timeoutMs`). */
export async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !check(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

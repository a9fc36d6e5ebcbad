import { LogLevel, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from 'pino';
import { sdkLogger, type FetchLike } from '../../core/plugin';
import { describeFailure, toDeliveryError, type SlackFailure } from './errors';
import type { SlackOptions } from './options';

/**
 * The Slack SDKs' logger: their lines go into ours one level lower (see `sdkLogger`). The SDKs format
 * their debug lines only when the level says DEBUG: keep them cheap.
 */
export function slackLogger(log: Logger): SlackLogger {
  return { ...sdkLogger(log, 'slack-sdk'), getLevel: () => LogLevel.INFO, setLevel: () => undefined, setName: () => undefined };
}

/** Who the bot token belongs to (`auth.test`). */
export interface BotIdentity {
  userId: string;
  botId: string;
  teamId: string;
  team: string;
}

/** One `chat.postMessage`, in Web API argument names. */
export interface PostArgs {
  channel: string;
  text: string;
  thread_ts?: string;
  blocks?: unknown[];
  mrkdwn?: boolean;
  unfurl_links?: boolean;
  unfurl_media?: boolean;
}

/** A failed call, with what Slack answered: start() explains it, send() maps it to a DeliveryError. */
export class SlackCallError extends Error {
  constructor(
    readonly failure: SlackFailure,
    what: string,
  ) {
    super(`${what}: ${failure.error ?? failure.message}`);
    this.name = 'SlackCallError';
  }
}

/**
 * The Web API calls the channel makes, through the official `WebClient` with its own retries and
 * rate-limit waits turned off: core's delivery retries (with Slack's Retry-After as the hint) are the
 * only ones, so attempts and receipts stay truthful.
 */
export class SlackApi {
  readonly web: WebClient;

  constructor(options: SlackOptions, log: Logger, fetch: FetchLike) {
    this.web = new WebClient(options.botToken, {
      fetch,
      slackApiUrl: options.apiUrl,
      timeout: options.requestTimeoutMs,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logger: slackLogger(log),
    });
  }

  async authTest(): Promise<BotIdentity> {
    const r = await this.call('auth.test', () => this.web.auth.test());
    if (!r.user_id) throw new SlackCallError({ error: 'invalid_auth', message: 'auth.test answered no user_id' }, 'auth.test');
    return { userId: r.user_id, botId: r.bot_id ?? '', teamId: r.team_id ?? '', team: r.team ?? '' };
  }

  /** Posts one message; returns its ts. Throws a DeliveryError. */
  async postMessage(args: PostArgs): Promise<{ channel: string; ts: string }> {
    const r = await this.deliveryCall('chat.postMessage', () =>
      this.web.chat.postMessage(args as Parameters<WebClient['chat']['postMessage']>[0]),
    );
    if (!r.ts) throw toDeliveryError({ error: 'no_ts', message: 'chat.postMessage answered without ts' }, 'chat.postMessage');
    return { channel: r.channel ?? args.channel, ts: r.ts };
  }

  /** The direct-message channel (D...) with a user. Throws a DeliveryError. */
  async openDm(user: string): Promise<string> {
    const r = await this.deliveryCall('conversations.open', () => this.web.conversations.open({ users: user }));
    const id = r.channel?.id;
    if (!id)
      throw toDeliveryError({ error: 'channel_not_found', message: 'conversations.open answered without a channel' }, 'conversations.open');
    return id;
  }

  /** The thread parent of a message (its own ts when it is not a reply). Throws a SlackCallError. */
  async threadRoot(channel: string, ts: string): Promise<string> {
    const r = await this.call('conversations.replies', () => this.web.conversations.replies({ channel, ts, limit: 1 }));
    return r.messages?.find((m) => m.ts === ts)?.thread_ts ?? r.messages?.[0]?.thread_ts ?? ts;
  }

  /** A user's display name, or undefined. Throws a SlackCallError. */
  async userName(user: string): Promise<string | undefined> {
    const r = await this.call('users.info', () => this.web.users.info({ user }));
    const u = r.user;
    return u?.profile?.display_name || u?.profile?.real_name || u?.real_name || u?.name || undefined;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new SlackCallError(describeFailure(err), what);
    }
  }

  private async deliveryCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toDeliveryError(describeFailure(err), what);
    }
  }
}

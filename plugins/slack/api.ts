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

/** The content of one message, in Web API argument names (chat.postMessage, chat.update). */
export interface MessageArgs {
  text: string;
  blocks?: unknown[];
  mrkdwn?: boolean;
  unfurl_links?: boolean;
  unfurl_media?: boolean;
}

/** One `chat.postMessage`. */
export interface PostArgs extends MessageArgs {
  channel: string;
  thread_ts?: string;
}

/** A message answered: its thread parent, and who wrote it (a stream's recipient). */
export interface MessageOrigin {
  root: string;
  user?: string;
  team?: string;
}

/** A failed call, with what Slack answered: start() explains it, other callers map it to a DeliveryError. */
export class SlackCallError extends Error {
  constructor(
    readonly failure: SlackFailure,
    what: string,
  ) {
    super(`${what}: ${failure.error ?? failure.message}`);
    this.name = 'SlackCallError';
  }
}

type Chat = WebClient['chat'];
type Args<K extends 'postMessage' | 'update' | 'startStream' | 'stopStream'> = Parameters<Chat[K]>[0];

/**
 * The Web API calls the channel makes, through the official `WebClient` with its own retries and
 * rate-limit waits turned off: core's delivery retries (with Slack's Retry-After as the hint) are the
 * only ones, so attempts and receipts stay truthful. Delivery methods throw a `DeliveryError`;
 * `SlackCallError` comes from the lookups whose callers decide.
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

  /** Posts one message; returns its ts. */
  async postMessage(args: PostArgs): Promise<{ channel: string; ts: string }> {
    const r = await this.deliveryCall('chat.postMessage', () => this.web.chat.postMessage(args as Args<'postMessage'>));
    if (!r.ts) throw toDeliveryError({ error: 'no_ts', message: 'chat.postMessage answered without ts' }, 'chat.postMessage');
    return { channel: r.channel ?? args.channel, ts: r.ts };
  }

  /** Replaces a message's content (`chat.update` replaces the blocks too: none given, none kept). */
  async update(channel: string, ts: string, content: MessageArgs): Promise<void> {
    await this.deliveryCall('chat.update', () => this.web.chat.update({ channel, ts, ...content } as Args<'update'>));
  }

  async delete(channel: string, ts: string): Promise<void> {
    await this.deliveryCall('chat.delete', () => this.web.chat.delete({ channel, ts }));
  }

  /** Opens a stream in a thread; returns its ts. */
  async startStream(args: {
    channel: string;
    thread_ts: string;
    markdown_text?: string;
    recipient_user_id?: string;
    recipient_team_id?: string;
  }) {
    const r = await this.deliveryCall('chat.startStream', () => this.web.chat.startStream(args as Args<'startStream'>));
    if (!r.ts) throw toDeliveryError({ error: 'no_ts', message: 'chat.startStream answered without ts' }, 'chat.startStream');
    return r.ts;
  }

  async appendStream(channel: string, ts: string, markdown: string): Promise<void> {
    await this.deliveryCall('chat.appendStream', () => this.web.chat.appendStream({ channel, ts, markdown_text: markdown }));
  }

  async stopStream(channel: string, ts: string, markdown: string, blocks?: unknown[]): Promise<void> {
    const args = { channel, ts, ...(markdown ? { markdown_text: markdown } : {}), ...(blocks ? { blocks } : {}) };
    await this.deliveryCall('chat.stopStream', () => this.web.chat.stopStream(args as Args<'stopStream'>));
  }

  async react(channel: string, ts: string, name: string, remove: boolean): Promise<void> {
    const what = remove ? 'reactions.remove' : 'reactions.add';
    const args = { channel, timestamp: ts, name };
    await this.deliveryCall(what, () => (remove ? this.web.reactions.remove(args) : this.web.reactions.add(args)));
  }

  async setStatus(channel: string, threadTs: string, status: string): Promise<void> {
    await this.deliveryCall('assistant.threads.setStatus', () =>
      this.web.assistant.threads.setStatus({ channel_id: channel, thread_ts: threadTs, status }),
    );
  }

  /** The direct-message channel (D...) with a user. */
  async openDm(user: string): Promise<string> {
    const r = await this.deliveryCall('conversations.open', () => this.web.conversations.open({ users: user }));
    const id = r.channel?.id;
    if (!id)
      throw toDeliveryError({ error: 'channel_not_found', message: 'conversations.open answered without a channel' }, 'conversations.open');
    return id;
  }

  /** Where a message sits (its thread parent, its own ts when it is not a reply) and who wrote it. Throws a SlackCallError. */
  async origin(channel: string, ts: string): Promise<MessageOrigin> {
    const r = await this.call('conversations.replies', () => this.web.conversations.replies({ channel, ts, limit: 1 }));
    const m = r.messages?.find((x) => x.ts === ts) ?? r.messages?.[0];
    return { root: m?.thread_ts ?? ts, ...(m?.user ? { user: m.user } : {}), ...(m?.team ? { team: m.team } : {}) };
  }

  /** A user's display name, or undefined. Throws a SlackCallError. */
  async userName(user: string): Promise<string | undefined> {
    const r = await this.call('users.info', () => this.web.users.info({ user }));
    const u = r.user;
    return u?.profile?.display_name || u?.profile?.real_name || u?.real_name || u?.name || undefined;
  }

  /** A lookup whose caller decides what a failure means. */
  async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new SlackCallError(describeFailure(err), what);
    }
  }

  /** A call of a delivery: a failure becomes the DeliveryError core retries or reports. */
  async deliveryCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toDeliveryError(describeFailure(err), what);
    }
  }
}

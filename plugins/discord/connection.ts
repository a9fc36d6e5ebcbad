import { Client, Events, GatewayIntentBits, Options, type RESTOptions } from 'discord.js';
import type { Logger } from 'pino';
import { StartError, backoff, sleep, type FetchLike, type PluginContext } from '../../core/plugin';
import { FATAL_CLOSE } from './errors';
import type { DiscordOptions } from './options';

/** Retries of a dispatch NATS could not store: from 0.5 s, doubling up to 10 s. */
const RETRY = { initialMs: 500, maxMs: 10_000 };

/** One gateway dispatch: its event name, sequence and payload, and the session it came on. */
export interface Dispatch {
  t: string;
  s: number;
  // The API objects as Discord sends them; inbound.ts reads the fields it needs.
  d: Record<string, unknown>;
  session: string;
}

/** Who the bot is, from READY. */
export interface BotIdentity {
  userId: string;
  applicationId: string;
  name: string;
}

/** The intents the channel asks for: guilds, messages and reactions in guilds and DMs, and the privileged ones the options turn on. */
export function intentsOf(o: Pick<DiscordOptions, 'messageContent' | 'serverMembers'>): number {
  let bits =
    GatewayIntentBits.Guilds |
    GatewayIntentBits.GuildMessages |
    GatewayIntentBits.GuildMessageReactions |
    GatewayIntentBits.DirectMessages |
    GatewayIntentBits.DirectMessageReactions;
  if (o.messageContent) bits |= GatewayIntentBits.MessageContent;
  if (o.serverMembers) bits |= GatewayIntentBits.GuildMembers;
  return bits;
}

/**
 * The `rest` options of the client: the configured API, no retries of its own (core retries, with
 * Discord's hint, so attempts and receipts stay truthful), and rate limits handled so: the client waits
 * for a bucket that is empty by the headers (that paces edits and sends), unless the wait is longer than
 * `maxRateLimitWaitMs`, and any 429 Discord answers fails the call as a `RateLimitError` carrying
 * `retry_after`. The SDK reports both through `rejectOnRateLimit`; a bucket wait has `retryAfter ===
 * timeToReset` (both computed from the bucket's reset), a 429 has Discord's `Retry-After` as `retryAfter`.
 */
export function restOptions(o: DiscordOptions, fetch: FetchLike): Partial<RESTOptions> {
  return {
    api: o.apiUrl.replace(/\/+$/, ''),
    timeout: o.requestTimeoutMs,
    retries: 0,
    rejectOnRateLimit: (d) => d.retryAfter !== d.timeToReset || d.timeToReset > o.maxRateLimitWaitMs,
    makeRequest: fetch as unknown as RESTOptions['makeRequest'],
  };
}

/**
 * The gateway link through discord.js's `Client`: login fetches `GET /gateway/bot`, identifies with the
 * intents, and reconnects and RESUMEs by itself after a drop (Discord replays what was missed). The
 * channel reads the raw dispatches (`Events.Raw`), in order, one at a time: they carry the API objects
 * whole, so DMs, uncached messages (reactions, deletions) and interactions need no cache or partials.
 */
export class GatewayConnection {
  readonly client: Client;
  private session = '';
  private chain: Promise<void> = Promise.resolve();
  private fatal?: string;

  constructor(
    private readonly options: DiscordOptions,
    private readonly ctx: PluginContext,
    private readonly log: Logger,
    fetch: FetchLike,
  ) {
    this.client = new Client({
      intents: intentsOf(options),
      rest: restOptions(options, fetch),
      // The channel keeps no Discord objects: it reads the dispatches.
      makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0, ReactionManager: 0, UserManager: 100 }),
      waitGuildTimeout: 5_000,
    });
  }

  /** Logs in and resolves once READY came (and the guilds with it); every dispatch then goes to `onDispatch`, in order. */
  async open(onDispatch: (d: Dispatch) => Promise<void>): Promise<BotIdentity> {
    const c = this.client;
    let identity: BotIdentity | undefined;
    c.on(Events.Raw, (packet: { t?: string; s?: number; d?: Record<string, unknown> }) => {
      if (!packet.t || !packet.d) return;
      if (packet.t === 'READY') {
        this.session = String(packet.d.session_id ?? '');
        const user = packet.d.user as { id: string; username: string };
        identity = {
          userId: user.id,
          applicationId: String((packet.d.application as { id?: string })?.id ?? user.id),
          name: user.username,
        };
      }
      const dispatch: Dispatch = { t: packet.t, s: packet.s ?? 0, d: packet.d, session: this.session };
      this.chain = this.chain.then(() => this.handle(dispatch, onDispatch));
    });
    c.on(Events.ShardDisconnect, ({ code }) => {
      this.fatal = FATAL_CLOSE[code] ?? `the Discord gateway closed the connection for good (close code ${code})`;
      this.log.error({ code }, this.fatal);
      this.ctx.status('failed', this.fatal);
    });
    c.on(Events.ShardReconnecting, () => this.ctx.status('reconnecting', 'Discord gateway connection lost; resuming'));
    c.on(Events.ShardResume, (_id, replayed) => {
      this.log.info({ replayed }, 'Discord gateway session resumed');
      this.ctx.status('connected', 'Discord gateway resumed');
    });
    c.on(Events.ShardReady, () => this.ctx.status('connected', 'Discord gateway ready'));
    c.on(Events.ShardError, (err) => this.log.warn({ err }, `Discord gateway error: ${err.message}`));
    c.on(Events.Warn, (m) => this.log.warn(`discord.js: ${m}`));
    c.on(Events.Debug, (m) => this.log.trace(`discord.js: ${m}`));
    const ready = new Promise<void>((resolve) => c.once(Events.ClientReady, () => resolve()));
    try {
      await Promise.race([c.login(this.options.token).then(() => ready), this.closedForGood()]);
    } catch (err) {
      throw new StartError(this.explain(err as Error), undefined, { cause: err });
    }
    if (!identity) throw new StartError('the Discord gateway sent no READY');
    this.log.info(
      { botUserId: identity.userId, applicationId: identity.applicationId, session: this.session },
      'Discord channel connected via the gateway',
    );
    return identity;
  }

  /**
   * Hands one dispatch on. Discord cannot be asked to send it again, so while NATS cannot store it
   * (`E_NATS`) it is tried again with backoff, holding the later ones back to keep their order, until
   * it is stored or the instance stops; other failures are logged.
   */
  private async handle(x: Dispatch, onDispatch: (d: Dispatch) => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await onDispatch(x);
      } catch (err) {
        const e = err as Error & { code?: string };
        if (e.code !== 'E_NATS' || this.ctx.signal.aborted)
          return void this.log.error({ err, event: x.t, seq: x.s }, `Discord ${x.t} not handled: ${e.message}`);
        const wait = backoff(attempt, RETRY);
        this.log.warn({ event: x.t, seq: x.s, attempt, waitMs: Math.round(wait) }, `NATS cannot store Discord ${x.t}; trying again`);
        await sleep(wait, this.ctx.signal).catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    await this.client.destroy();
    await this.chain;
  }

  /** Rejects when the gateway closed with a code discord.js does not reconnect after (4004, 4014...). */
  private closedForGood(): Promise<never> {
    return new Promise((_resolve, reject) => {
      this.client.once(Events.ShardDisconnect, () => reject(new Error(this.fatal)));
    });
  }

  private explain(err: Error & { status?: number; code?: unknown }): string {
    if (this.fatal) return this.fatal;
    if (err.status === 401 || err.code === 'TokenInvalid')
      return 'Discord refused the bot token (HTTP 401 on GET /gateway/bot): check token (Developer Portal > Bot > Reset Token)';
    if (err.name === 'AbortError' || /fetch failed|ECONNREFUSED|ENOTFOUND/.test(`${err.message} ${String((err.cause as Error)?.message)}`))
      return `cannot reach the Discord API at ${this.options.apiUrl}: ${err.message}`;
    return `Discord login failed: ${err.message}`;
  }
}

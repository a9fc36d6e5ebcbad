import { WSClient, type WsFrame } from '@wecom/aibot-node-sdk';
import type { Logger } from 'pino';
import { backoff, sdkLogger, sleep, type PluginContext } from '../../core/plugin';
import { authErrcode, explainAuth } from './errors';
import type { WeComOptions } from './options';

/** How the connection ended one round: the role moved or the instance stops, another connection took the bot, or WeCom refused the secret. */
type Ended = { why: 'aborted' } | { why: 'kicked' } | { why: 'refused'; message: string };

export interface ConnectionHandlers {
  /** An `aibot_msg_callback` or `aibot_event_callback` frame (not `disconnected_event`). */
  onFrame(frame: WsFrame): void;
  /** The first subscription succeeded (undefined) or was refused (the reason, in operator terms). */
  onFirst(refused?: string): void;
}

/**
 * The smart bot's long connection through `@wecom/aibot-node-sdk`: subscribe with bot id and secret,
 * ping every `heartbeatMs`, reconnect after drops (the SDK's backoff). WeCom keeps one connection per
 * bot and tells the old one `disconnected_event` when a new one subscribes: then this one waits
 * `kickedRetryMs` before it takes the bot back, so two programs on one bot do not cut each other off
 * every second. A refused secret is retried with a growing delay, reported as `failed`.
 */
export class Connection {
  private current?: WSClient;
  private firstDone = false;

  constructor(
    private readonly options: WeComOptions,
    private readonly ctx: PluginContext,
    private readonly log: Logger,
  ) {}

  /** The subscribed client, when this replica holds the connection and it is up. */
  get client(): WSClient | undefined {
    return this.current?.isConnected ? this.current : undefined;
  }

  /** Runs while this replica holds the connection role: until `signal` aborts. */
  async hold(signal: AbortSignal, handlers: ConnectionHandlers): Promise<void> {
    for (let refusals = 0; !signal.aborted;) {
      const ended = await this.round(signal, handlers);
      if (ended.why === 'aborted') return;
      let waitMs: number;
      if (ended.why === 'kicked') {
        refusals = 0;
        waitMs = this.options.kickedRetryMs;
        const detail = `another connection took bot ${this.options.botId} (WeCom keeps one per bot: is another gateway or program using it?); taking it back in ${Math.round(waitMs / 1000)} s`;
        this.log.error(detail);
        this.ctx.status('failed', detail);
      } else {
        waitMs = backoff(++refusals, { initialMs: 5000, maxMs: 300_000 });
        this.ctx.status('failed', ended.message);
        this.log.error({ retryInMs: waitMs }, ended.message);
      }
      await sleep(waitMs, signal).catch(() => undefined);
    }
  }

  private round(signal: AbortSignal, handlers: ConnectionHandlers): Promise<Ended> {
    const client = new WSClient({
      botId: this.options.botId,
      secret: this.options.secret,
      wsUrl: this.options.wsUrl,
      heartbeatInterval: this.options.heartbeatMs,
      maxReconnectAttempts: -1,
      // A refused secret is not retried by the SDK: hold() waits and reports it.
      maxAuthFailureAttempts: 0,
      logger: sdkLogger(this.log, 'wecom-sdk'),
    });
    this.current = client;
    return new Promise<Ended>((resolve) => {
      const finish = (ended: Ended) => {
        signal.removeEventListener('abort', onAbort);
        client.removeAllListeners();
        client.disconnect();
        if (this.current === client) this.current = undefined;
        resolve(ended);
      };
      const onAbort = () => finish({ why: 'aborted' });
      signal.addEventListener('abort', onAbort, { once: true });
      client.on('authenticated', () => {
        this.log.info({ botId: this.options.botId }, 'WeCom smart bot connected via long connection');
        this.ctx.status('connected', `long connection as bot ${this.options.botId}`);
        this.first(handlers);
      });
      client.on('reconnecting', (attempt: number) =>
        this.ctx.status('reconnecting', `long connection lost; reconnecting (attempt ${attempt})`),
      );
      client.on('error', (err: Error) => {
        const code = authErrcode(err);
        if (code === undefined) return this.log.debug({ err: err.message }, 'WeCom long connection error');
        const message = explainAuth(code, err.message);
        this.first(handlers, message);
        finish({ why: 'refused', message });
      });
      client.on('event.disconnected_event', () => finish({ why: 'kicked' }));
      client.on('message', (frame: WsFrame) => handlers.onFrame(frame));
      client.on('event', (frame: WsFrame) => {
        if ((frame.body as { event?: { eventtype?: string } })?.event?.eventtype !== 'disconnected_event') handlers.onFrame(frame);
      });
      if (!signal.aborted) client.connect();
    });
  }

  private first(handlers: ConnectionHandlers, refused?: string): void {
    if (this.firstDone) return;
    this.firstDone = true;
    handlers.onFirst(refused);
  }
}

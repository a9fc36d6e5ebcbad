import { SocketModeClient } from '@slack/socket-mode';
import type { Logger } from 'pino';
import { StartError, backoff, settledWithin, sleep, type FetchLike, type PluginContext } from '../../core/plugin';
import { AUTH_ERRORS, describeFailure, explainStartError } from './errors';
import type { SlackOptions } from './options';
import { slackLogger } from './api';

/** An Events API event (`message`, `app_mention`, ...) as it arrives in an `events_api` envelope. */
export type SlackEvent = Record<string, unknown> & { type?: string };

/** A Socket Mode envelope the channel handles: an event, an interaction (a click) or a slash command. */
export interface Incoming {
  type: 'events_api' | 'interactive' | 'slash_commands';
  body: Record<string, unknown>;
}
export type EnvelopeHandler = (incoming: Incoming) => Promise<void>;

/** What the SDK hands a `slack_event` listener. */
interface SocketEnvelope {
  type: string;
  envelope_id?: string;
  body?: Record<string, unknown> & { event_id?: string };
  retry_num?: number;
  ack: (response?: Record<string, unknown>) => Promise<void>;
}

const HANDLED = new Set(['events_api', 'interactive', 'slash_commands']);
/** Slack wants every envelope acknowledged within 3 s; past this, the log says how late the ack was. */
const ACK_WARN_MS = 2500;

const STOP_WAIT_MS = 2000;
const MAX_RECONNECT_DELAY_MS = 30_000;
const MAX_AUTH_RETRY_DELAY_MS = 5 * 60_000;

/**
 * The Socket Mode connection: the SDK's `SocketModeClient`, acking each envelope only after the handler
 * resolved (so an event that was not stored is redelivered by Slack). The SDK's own reconnection is off:
 * it retries from timers whose failures surface as unhandled rejections (a revoked token would crash the
 * process), and it reconnects only after a fixed 5 s. This class reconnects at once, then with backoff,
 * and turns each transition into a status event.
 */
export class SocketConnection {
  private client?: SocketModeClient;
  private connected = false;
  private stopping = false;
  private reconnecting = false;
  private lastReason = '';

  constructor(
    private readonly options: SlackOptions,
    private readonly ctx: PluginContext,
    private readonly log: Logger,
    /** The Web API client's fetch: apps.connections.open shares its connections, closed on stop. */
    private readonly fetch: FetchLike,
  ) {}

  /** Connects; resolves on Slack's `hello`, rejects with the reason in operator terms. */
  async open(onEnvelope: EnvelopeHandler): Promise<void> {
    const client = new SocketModeClient({
      appToken: this.options.appToken,
      logger: slackLogger(this.log),
      autoReconnectEnabled: false,
      clientOptions: {
        slackApiUrl: this.options.apiUrl,
        timeout: this.options.requestTimeoutMs,
        retryConfig: { retries: 0 },
        fetch: this.fetch,
      },
    });
    client.on('slack_event', (envelope: SocketEnvelope) => void this.dispatch(envelope, onEnvelope));
    // The SDK handles `disconnect` messages without telling why; its raw-message event does.
    client.on('ws_message', (data: unknown) => this.noteDisconnectReason(data));
    client.on('disconnected', () => this.onDisconnected());
    this.client = client;
    try {
      await client.start();
    } catch (err) {
      throw new StartError(this.explain(err), undefined, { cause: err });
    }
    this.connected = true;
    this.log.info('Slack channel connected via Socket Mode');
    this.ctx.status('connected', 'Socket Mode');
  }

  async close(): Promise<void> {
    this.stopping = true;
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    await settledWithin(client.disconnect(), STOP_WAIT_MS);
    client.removeAllListeners();
  }

  /**
   * Hands an envelope to the channel and acknowledges it once the handler resolved (the event stored,
   * or dropped by the access rules): an envelope whose handler failed is not acknowledged, so Slack
   * sends it again. Envelope types the channel does not handle are acknowledged at once.
   */
  private async dispatch(envelope: SocketEnvelope, onEnvelope: EnvelopeHandler): Promise<void> {
    const started = Date.now();
    if (HANDLED.has(envelope.type) && envelope.body) {
      try {
        await onEnvelope({ type: envelope.type as Incoming['type'], body: envelope.body });
      } catch (err) {
        this.log.warn(
          {
            envelopeId: envelope.envelope_id,
            type: envelope.type,
            eventId: envelope.body.event_id,
            retry: envelope.retry_num,
            err: (err as Error).message,
          },
          'Slack envelope not stored and not acknowledged; Slack will deliver it again',
        );
        return;
      }
    } else {
      this.log.debug({ type: envelope.type }, 'Slack envelope of an unhandled type acknowledged');
    }
    await envelope
      .ack()
      .catch((err: Error) =>
        this.log.warn(
          { envelopeId: envelope.envelope_id, err: err.message },
          'Slack envelope could not be acknowledged (connection closed?); Slack will deliver it again',
        ),
      );
    const tookMs = Date.now() - started;
    if (tookMs > ACK_WARN_MS)
      this.log.warn({ envelopeId: envelope.envelope_id, type: envelope.type, tookMs }, 'Slack envelope acknowledged late: Slack wants 3 s');
  }

  private noteDisconnectReason(data: unknown): void {
    if (typeof data !== 'string' || !data.includes('"disconnect"')) return;
    try {
      const msg = JSON.parse(data) as { type?: string; reason?: string };
      if (msg.type === 'disconnect') this.lastReason = `Slack asked to reconnect (${msg.reason ?? 'no reason'})`;
    } catch {
      // Not JSON: the SDK logs and ignores it.
    }
  }

  private onDisconnected(): void {
    if (this.stopping || !this.connected || this.reconnecting) return;
    this.reconnecting = true;
    void this.reconnect().finally(() => (this.reconnecting = false));
  }

  private async reconnect(): Promise<void> {
    const reason = this.lastReason || 'connection lost';
    this.lastReason = '';
    this.log.warn({ reason }, 'Slack Socket Mode connection closed; reconnecting');
    this.ctx.status('reconnecting', `Socket Mode: ${reason}`);
    for (let attempt = 1; !this.stopping && this.client; attempt++) {
      try {
        await this.client.start();
        this.log.info('Slack channel reconnected via Socket Mode');
        this.ctx.status('connected', 'Socket Mode');
        return;
      } catch (err) {
        if (this.stopping) return;
        const detail = this.explain(err);
        const auth = isAuthFailure(err);
        const delay = backoff(attempt, { initialMs: 500, maxMs: auth ? MAX_AUTH_RETRY_DELAY_MS : MAX_RECONNECT_DELAY_MS, jitter: 'none' });
        this.log.warn({ err: detail, attempt, retryInMs: delay }, 'Slack Socket Mode reconnect failed');
        // A refused token will not fix itself: say so, and keep trying slowly in case it is replaced.
        this.ctx.status(auth ? 'failed' : 'reconnecting', detail);
        await sleep(delay, this.ctx.signal).catch(() => undefined);
      }
    }
  }

  private explain(err: unknown): string {
    // The SDK rejects start() without a reason when the socket closes before Slack's hello.
    if (err === undefined) return 'the Socket Mode WebSocket closed before Slack said hello';
    return explainStartError(describeFailure(err), 'appToken', this.options.apiUrl);
  }
}

function isAuthFailure(err: unknown): boolean {
  const error = (err as { data?: { error?: string } })?.data?.error;
  return error !== undefined && (AUTH_ERRORS.has(error) || error === 'missing_scope');
}

import type { Logger } from 'pino';
import { StartError, backoff, settledWithin, sleep, type PluginContext } from '../../core/plugin';
import { DingTalkCallError, type DingTalkApi } from './api';
import { explainStartError } from './errors';
import { DWClient, TOPIC_CARD, TOPIC_ROBOT, type DWClientDownStream } from './sdk';

/** What a received CALLBACK frame is handed to; the frame is acknowledged once it resolves. */
export type FrameHandler = (topic: string, data: Record<string, unknown>, messageId: string) => Promise<void>;

interface SdkInternals {
  dw_url?: string;
  socket?: import('ws').WebSocket;
  userDisconnect: boolean;
}

/**
 * The SDK's client, pointed at a configurable gateway: `getEndpoint()` (public in the SDK) posts to
 * `{apiUrl}/v1.0/gateway/connections/open` instead of the SDK's fixed URL; everything after it (the
 * WebSocket, SYSTEM frames, ping echoes, acknowledgements) is the SDK's own.
 */
class GatewayClient extends DWClient {
  constructor(
    private readonly api: DingTalkApi,
    private readonly gatewayUrl: string,
    clientId: string,
    clientSecret: string,
  ) {
    // Our own subscription list: the SDK's default one is a module-level array that every client
    // instance would push into. Reconnecting is ours too (with backoff and status reports).
    super({
      clientId,
      clientSecret,
      ua: 'chat-gateway',
      subscriptions: [],
      autoReconnect: false,
      keepAlive: false,
    } as ConstructorParameters<typeof DWClient>[0]);
  }

  override async getEndpoint(): Promise<this> {
    const { clientId, clientSecret, ua, subscriptions } = this.config;
    let res: Response;
    try {
      res = await this.api.fetch(this.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ clientId, clientSecret, ua, subscriptions }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new DingTalkCallError({ network: true, message: `connections/open: ${(err as Error).message}` });
    }
    const body = (await res.json().catch(() => ({}))) as { endpoint?: string; ticket?: string; code?: string; message?: string };
    if (!res.ok || !body.endpoint || !body.ticket)
      throw new DingTalkCallError({
        status: res.status,
        ...(body.code ? { code: body.code } : {}),
        message: body.message ?? `connections/open answered ${res.status} without endpoint and ticket`,
      });
    this.config.endpoint = body.endpoint;
    (this as unknown as SdkInternals).dw_url = `${body.endpoint}?ticket=${encodeURIComponent(body.ticket)}`;
    return this;
  }

  get internals(): SdkInternals {
    return this as unknown as SdkInternals;
  }
}

/**
 * The Stream mode link: robot messages and card clicks arrive as CALLBACK frames, each handed to the
 * adapter and acknowledged (`{code: 200, headers: {messageId}}`, through the SDK) only once the
 * adapter stored it. A frame that failed is not acknowledged, so DingTalk pushes it again (for about a
 * minute). A lost connection is opened again with backoff, reported as `reconnecting`.
 */
export class StreamLink {
  private readonly client: GatewayClient;
  private closing = false;
  private loop?: Promise<void>;

  constructor(
    api: DingTalkApi,
    apiUrl: string,
    clientId: string,
    clientSecret: string,
    private readonly ctx: PluginContext,
    private readonly log: Logger,
  ) {
    this.client = new GatewayClient(api, `${apiUrl.replace(/\/$/, '')}/v1.0/gateway/connections/open`, clientId, clientSecret);
  }

  /** Subscribes to the robot and card topics and connects; throws a StartError DingTalk's answer explains. */
  async open(handler: FrameHandler, apiUrl: string): Promise<void> {
    for (const topic of [TOPIC_ROBOT, TOPIC_CARD])
      this.client.registerCallbackListener(topic, (frame: DWClientDownStream) => void this.onFrame(frame, handler));
    try {
      await this.connectOnce();
    } catch (err) {
      if (err instanceof DingTalkCallError) throw new StartError(explainStartError(err.failure, apiUrl), undefined, { cause: err });
      throw new StartError(`the DingTalk Stream connection failed: ${(err as Error).message}`, 'check apiUrl and the network', {
        cause: err,
      });
    }
    this.log.info('DingTalk channel connected via Stream mode');
  }

  private async connectOnce(): Promise<void> {
    await this.client.getEndpoint();
    await this.client._connect();
    this.client.internals.socket?.once('close', () => this.onClose());
  }

  private onClose(): void {
    if (this.closing || this.ctx.signal.aborted) return;
    this.ctx.status('reconnecting', 'the DingTalk Stream connection closed');
    this.loop = this.reconnect();
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 1; !this.closing && !this.ctx.signal.aborted; attempt++) {
      try {
        await this.connectOnce();
        // Stopped while this connection was opening: it must not outlive the instance.
        if (this.closing) return this.client.internals.socket?.terminate();
        this.ctx.status('connected', 'Stream mode');
        this.log.info({ attempt }, 'DingTalk Stream connection opened again');
        return;
      } catch (err) {
        this.log.warn({ attempt, err: (err as Error).message }, 'DingTalk Stream reconnect failed');
      }
      await sleep(backoff(attempt, { initialMs: 500, maxMs: 30_000 }), this.ctx.signal).catch(() => undefined);
    }
  }

  private async onFrame(frame: DWClientDownStream, handler: FrameHandler): Promise<void> {
    const messageId = frame.headers.messageId;
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(frame.data) as Record<string, unknown>;
    } catch {
      this.log.warn({ topic: frame.headers.topic, messageId }, 'DingTalk frame with data that is not JSON: acknowledged and dropped');
      return this.client.socketCallBackResponse(messageId, {});
    }
    try {
      await handler(frame.headers.topic, data, messageId);
    } catch (err) {
      // Not acknowledged: DingTalk pushes it again.
      this.log.warn(
        { topic: frame.headers.topic, messageId, err: (err as Error).message },
        'DingTalk frame not stored; DingTalk will push it again',
      );
      return;
    }
    this.client.socketCallBackResponse(messageId, {});
  }

  async close(): Promise<void> {
    this.closing = true;
    const socket = this.client.internals.socket;
    this.client.internals.userDisconnect = true;
    if (socket && socket.readyState !== socket.CLOSED) {
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.close();
      if (!(await settledWithin(closed, 2000))) socket.terminate();
    }
    await settledWithin(this.loop ?? Promise.resolve(), 1000);
  }
}

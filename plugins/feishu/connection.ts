import * as lark from '@larksuiteoapi/node-sdk';
import type { AxiosInstance } from 'axios';
import type { Logger } from 'pino';
import type { PluginContext } from '../../core/plugin';
import { resolveDomain } from './api';
import type { FeishuOptions } from './options';
import { sdkLogger } from './sdk-logger';

export type EventHandler = (event: Record<string, unknown>) => Promise<void>;

/** Explains the SDK's terminal errors (`pullConnectConfig failed: code=..., msg=...`) in operator terms. */
export function explainConnectError(message: string): string {
  const code = Number(/code[=:\s]+(\d+)/i.exec(message)?.[1]);
  if ([10014, 10003, 99991663, 1000040345].includes(code) || /secret|invalid app/i.test(message)) {
    return `${message} — Feishu refused the app credentials: check appId and appSecret (Credentials & Basic Info)`;
  }
  if (code === 1000040350 || /limit|too many/i.test(message)) {
    return `${message} — Feishu allows a limited number of long connections per app: stop other gateways or bots using this app`;
  }
  return message;
}

/**
 * The long connection: the SDK's `WSClient`, its lifecycle callbacks turned into status events.
 * `open()` resolves once connected and rejects with the platform's reason when it gives up.
 */
export class LongConnection {
  private ws?: lark.WSClient;

  constructor(
    private readonly options: FeishuOptions,
    private readonly ctx: PluginContext,
    private readonly log: Logger,
    /** The REST client's HTTP instance: the endpoint call shares its connections, closed on stop. */
    private readonly http: AxiosInstance,
  ) {}

  open(onMessage: EventHandler): Promise<void> {
    return new Promise((resolve, reject) => {
      let ready = false;
      const dispatcher = new lark.EventDispatcher({ logger: sdkLogger(this.log), loggerLevel: lark.LoggerLevel.warn }).register({
        'im.message.receive_v1': (data: Record<string, unknown>) => onMessage(data),
      });
      this.ws = new lark.WSClient({
        appId: this.options.appId,
        appSecret: this.options.appSecret,
        domain: resolveDomain(this.options.domain),
        httpInstance: this.http as never,
        logger: sdkLogger(this.log),
        loggerLevel: lark.LoggerLevel.info,
        autoReconnect: true,
        onReady: () => {
          ready = true;
          this.log.info('Feishu channel connected via WebSocket');
          this.ctx.status('connected', 'long connection');
          resolve();
        },
        onReconnecting: () => {
          this.log.warn('Feishu long connection lost; reconnecting');
          this.ctx.status('reconnecting', 'long connection lost');
        },
        onReconnected: () => {
          this.log.info('Feishu channel reconnected via WebSocket');
          this.ctx.status('connected', 'long connection restored');
        },
        onError: (err: Error) => {
          const reason = explainConnectError(err.message);
          this.log.error({ err: reason }, 'Feishu long connection failed');
          this.ctx.status('failed', reason);
          if (!ready) reject(new Error(reason));
        },
      });
      void this.ws.start({ eventDispatcher: dispatcher });
    });
  }

  close(): void {
    this.ws?.close({ force: true });
    this.ws = undefined;
  }
}

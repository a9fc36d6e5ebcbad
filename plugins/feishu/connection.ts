import * as lark from '@larksuiteoapi/node-sdk';
import type { Logger } from 'pino';
import { StartError, sdkLogger, type PluginContext } from '../../core/plugin';
import type { FeishuOptions } from './options';
import type { FeishuRest } from './rest';
import { handleCardFrames } from './card-frames';

/** Handles one event; what it returns is the answer (a card callback's toast), none for plain events. */
export type EventHandler = (event: Record<string, unknown>) => Promise<unknown>;

/** Codes that mean the app id or secret is wrong. */
const CREDENTIAL_CODES = new Set([10014, 10003, 99991663, 1000040345]);
/** The app has as many long connections open as Feishu allows. */
const CONNECTION_LIMIT_CODE = 1000040350;

/**
 * Explains a failure to connect in operator terms. `code` is Feishu's, when the caller has it; the SDK's
 * terminal errors carry it only in their text (`pullConnectConfig failed: code=..., msg=...`).
 */
export function explainConnectError(message: string, code = Number(/code[=:\s]+(\d+)/i.exec(message)?.[1])): string {
  if (CREDENTIAL_CODES.has(code) || /secret|invalid app/i.test(message)) {
    return `${message} — Feishu refused the app credentials: check appId and appSecret (Credentials & Basic Info)`;
  }
  if (code === CONNECTION_LIMIT_CODE || /limit|too many/i.test(message)) {
    return `${message} — Feishu allows a limited number of long connections per app: stop other gateways or bots using this app`;
  }
  return message;
}

/** The SDK's domain setting for a `domain` option. */
function sdkDomain(domain: string): string | lark.Domain {
  if (domain === 'feishu') return lark.Domain.Feishu;
  if (domain === 'lark') return lark.Domain.Lark;
  return domain.replace(/\/+$/, '');
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
    /** The REST link: the endpoint call shares its connections, closed on stop. */
    private readonly rest: FeishuRest,
  ) {}

  /** Opens the connection with a handler per event type (`card.action.trigger` frames of both shapes included). */
  open(handlers: Record<string, EventHandler>): Promise<void> {
    return new Promise((resolve, reject) => {
      let ready = false;
      const logger = sdkLogger(this.log, 'feishu-sdk');
      const dispatcher = new lark.EventDispatcher({ logger, loggerLevel: lark.LoggerLevel.warn }).register(handlers);
      this.ws = new lark.WSClient({
        appId: this.options.appId,
        appSecret: this.options.appSecret,
        domain: sdkDomain(this.options.domain),
        httpInstance: this.rest.sdkHttp,
        logger,
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
          if (!ready) reject(new StartError(reason));
        },
      });
      handleCardFrames(this.ws);
      void this.ws.start({ eventDispatcher: dispatcher });
    });
  }

  close(): void {
    this.ws?.close({ force: true });
    this.ws = undefined;
  }
}

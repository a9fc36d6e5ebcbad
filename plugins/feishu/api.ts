import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import * as lark from '@larksuiteoapi/node-sdk';
import axios, { type AxiosInstance } from 'axios';
import type { Logger } from 'pino';
import { DeliveryError } from '../../core/plugin';
import { TOKEN_CODES, describeFailure, toDeliveryError, type FeishuFailure } from './errors';
import type { FeishuOptions } from './options';
import { sdkLogger } from './sdk-logger';

/** The SDK's token cache interface, kept per instance so an invalid token can be dropped. */
class TokenCache {
  private readonly values = new Map<string, { value: unknown; expire?: number }>();
  async set(key: string | Symbol, value: unknown, expire?: number, options?: { namespace?: string }): Promise<boolean> {
    this.values.set(`${options?.namespace ?? ''}/${String(key)}`, { value, ...(expire !== undefined ? { expire } : {}) });
    return true;
  }
  async get(key: string | Symbol, options?: { namespace?: string }): Promise<unknown> {
    const hit = this.values.get(`${options?.namespace ?? ''}/${String(key)}`);
    if (!hit || (hit.expire !== undefined && hit.expire < Date.now())) return undefined;
    return hit.value;
  }
  clear(): void {
    this.values.clear();
  }
}

export function resolveDomain(domain: string): string | lark.Domain {
  if (domain === 'feishu') return lark.Domain.Feishu;
  if (domain === 'lark') return lark.Domain.Lark;
  return domain.replace(/\/+$/, '');
}

/** A message as Feishu stores it: `msg_type` and its JSON `content`. */
export interface FeishuMessage {
  msgType: string;
  content: string;
}

interface Body<T> {
  code?: number;
  msg?: string;
  data?: T;
}

/**
 * The Feishu REST calls the channel makes, through the official SDK client: bot info, send (create or
 * reply, idempotent through `uuid`) and reactions. Failures become `DeliveryError`s; an invalid tenant
 * token is dropped from the cache and the call repeated once.
 */
export class FeishuApi {
  readonly client: lark.Client;
  readonly http: AxiosInstance;
  private readonly cache = new TokenCache();
  /** The instance's own keep-alive connections (not the process-wide agent's), so stopping can close them. */
  private readonly agents = { httpAgent: new HttpAgent({ keepAlive: true }), httpsAgent: new HttpsAgent({ keepAlive: true }) };

  constructor(options: FeishuOptions, log: Logger) {
    this.http = axios.create({ timeout: options.requestTimeoutMs, ...this.agents });
    // The SDK's own instance unwraps the body the same way; a custom one needs the same interceptor.
    this.http.interceptors.response.use((resp) => resp.data);
    this.client = new lark.Client({
      appId: options.appId,
      appSecret: options.appSecret,
      domain: resolveDomain(options.domain),
      appType: lark.AppType.SelfBuild,
      cache: this.cache,
      httpInstance: this.http as never,
      logger: sdkLogger(log),
      loggerLevel: lark.LoggerLevel.warn,
    });
  }

  /** The bot's identity; also proves the credentials work. Throws a readable error when they do not. */
  async botInfo(): Promise<{ openId: string; name: string }> {
    const body = await this.call('fetch bot info', () => this.client.request<Body<never> & { bot?: { open_id?: string; app_name?: string } }>({ method: 'GET', url: '/open-apis/bot/v3/info' }));
    const bot = (body as { bot?: { open_id?: string; app_name?: string } }).bot;
    if (!bot?.open_id) throw new Error('Feishu bot info has no open_id: enable the Bot capability of the app and publish a version');
    return { openId: bot.open_id, name: bot.app_name ?? '' };
  }

  /** Creates a message in a chat or to a user. */
  async create(receiveIdType: string, receiveId: string, m: FeishuMessage, uuid: string): Promise<string> {
    const body = await this.call('send message', () =>
      this.client.im.v1.message.create({
        params: { receive_id_type: receiveIdType as 'chat_id' },
        data: { receive_id: receiveId, msg_type: m.msgType, content: m.content, uuid },
      }),
    );
    return messageId(body);
  }

  /** Replies to a message (quoted in the chat, or in its thread). */
  async reply(messageIdToAnswer: string, m: FeishuMessage, uuid: string, inThread: boolean): Promise<string> {
    const body = await this.call('reply to message', () =>
      this.client.im.v1.message.reply({
        path: { message_id: messageIdToAnswer },
        data: { msg_type: m.msgType, content: m.content, uuid, reply_in_thread: inThread },
      }),
    );
    return messageId(body);
  }

  async addReaction(messageIdToMark: string, emojiType: string): Promise<string> {
    const body = await this.call('add reaction', () => this.client.im.v1.messageReaction.create({ path: { message_id: messageIdToMark }, data: { reaction_type: { emoji_type: emojiType } } }));
    return (body.data as { reaction_id?: string } | undefined)?.reaction_id ?? '';
  }

  async removeReaction(messageIdMarked: string, reactionId: string): Promise<void> {
    await this.call('remove reaction', () => this.client.im.v1.messageReaction.delete({ path: { message_id: messageIdMarked, reaction_id: reactionId } }));
  }

  /** Closes the connections kept open for later calls: the instance is stopping. */
  close(): void {
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
  }

  private async call<T extends Body<unknown>>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let failure: FeishuFailure;
      try {
        const body = await fn();
        if (!body || body.code === undefined || body.code === 0) return body;
        failure = { code: body.code, msg: body.msg ?? 'unknown error' };
      } catch (err) {
        failure = describeFailure(err);
      }
      if (failure.code !== undefined && TOKEN_CODES.has(failure.code) && attempt === 1) {
        this.cache.clear();
        continue;
      }
      throw toDeliveryError(failure, what);
    }
  }
}

function messageId(body: Body<unknown>): string {
  const id = (body.data as { message_id?: string } | undefined)?.message_id;
  if (!id) throw DeliveryError.retryable('Feishu accepted the message but returned no message_id');
  return id;
}

import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import * as lark from '@larksuiteoapi/node-sdk';
import axios, { type AxiosInstance } from 'axios';
import { DeliveryError } from '../../core/plugin';
import { TOKEN_CODES, describeFailure, toDeliveryError, type FeishuFailure } from './errors';
import type { FeishuOptions } from './options';

const USER_AGENT = `chat-gateway (${process.release.name} ${process.version})`;

/** Fetched once per app and kept until three minutes before Feishu says it expires (as the SDK does). */
const TOKEN_MARGIN_MS = 3 * 60_000;

/**
 * The app's tenant access token (`auth/v3/tenant_access_token/internal`). Concurrent calls share one
 * fetch; a failed fetch is reported with Feishu's code (10014 is a wrong secret) and not cached.
 */
class TenantToken {
  private value?: string;
  private expiresAt = 0;
  private pending?: Promise<string>;

  constructor(
    private readonly http: AxiosInstance,
    private readonly baseUrl: string,
    private readonly appId: string,
    private readonly appSecret: string,
  ) {}

  get(): Promise<string> {
    if (this.value && Date.now() < this.expiresAt) return Promise.resolve(this.value);
    this.pending ??= this.fetch().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Drops `stale` (a token Feishu refused); a newer one fetched meanwhile by another call stays. */
  drop(stale: string): void {
    if (this.value === stale) this.value = undefined;
  }

  private async fetch(): Promise<string> {
    const body = (await this.http.post(`${this.baseUrl}/open-apis/auth/v3/tenant_access_token/internal`, {
      app_id: this.appId,
      app_secret: this.appSecret,
    })) as unknown as Body<never> & { tenant_access_token?: string; expire?: number };
    if (!body?.tenant_access_token)
      throw new FeishuCallError({
        httpStatus: 200,
        ...(typeof body?.code === 'number' ? { code: body.code } : {}),
        msg: `failed to get tenant_access_token: ${body?.msg ?? 'no token in the answer'}`,
      });
    this.value = body.tenant_access_token;
    this.expiresAt = Date.now() + (body.expire ?? 7200) * 1000 - TOKEN_MARGIN_MS;
    return this.value;
  }
}

/** A Feishu answer with a non-zero code, carried as an error. */
class FeishuCallError extends Error {
  constructor(readonly failure: FeishuFailure) {
    super(failure.code !== undefined ? `code: ${failure.code}, msg: ${failure.msg}` : failure.msg);
  }
}

export function resolveDomain(domain: string): string | lark.Domain {
  if (domain === 'feishu') return lark.Domain.Feishu;
  if (domain === 'lark') return lark.Domain.Lark;
  return domain.replace(/\/+$/, '');
}

/** The REST base URL of a `domain` option. */
export function restBaseUrl(domain: string): string {
  if (domain === 'feishu') return 'https://open.feishu.cn';
  if (domain === 'lark') return 'https://open.larksuite.com';
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
 * The Feishu REST calls the channel makes: bot info, send (create or reply, idempotent through `uuid`)
 * and reactions, with the app's tenant token. Failures become `DeliveryError`s; an invalid tenant
 * token is dropped and the call repeated once.
 *
 * These five calls are made directly rather than through the SDK's `lark.Client`, which builds its
 * whole generated API surface (thousands of closures, about 250 KB) for every instance: with a
 * thousand accounts in one gateway that alone was half the process's memory. The long connection
 * still goes through the SDK's `WSClient`.
 */
export class FeishuApi {
  readonly http: AxiosInstance;
  private readonly baseUrl: string;
  private readonly token: TenantToken;
  /** The instance's own keep-alive connections (not the process-wide agent's), so stopping can close them. */
  private readonly agents = { httpAgent: new HttpAgent({ keepAlive: true }), httpsAgent: new HttpsAgent({ keepAlive: true }) };

  constructor(options: FeishuOptions) {
    this.http = axios.create({ timeout: options.requestTimeoutMs, ...this.agents, headers: { 'User-Agent': USER_AGENT } });
    // Unwrap the body, as the SDK's own instance does: the long connection's endpoint call expects it.
    this.http.interceptors.response.use((resp) => resp.data);
    this.baseUrl = restBaseUrl(options.domain);
    this.token = new TenantToken(this.http, this.baseUrl, options.appId, options.appSecret);
  }

  /** The bot's identity; also proves the credentials work. Throws a readable error when they do not. */
  async botInfo(): Promise<{ openId: string; name: string }> {
    const body = await this.call<{ bot?: { open_id?: string; app_name?: string } }>('fetch bot info', 'GET', '/open-apis/bot/v3/info');
    const bot = body.bot;
    if (!bot?.open_id) throw new Error('Feishu bot info has no open_id: enable the Bot capability of the app and publish a version');
    return { openId: bot.open_id, name: bot.app_name ?? '' };
  }

  /** Creates a message in a chat or to a user. */
  async create(receiveIdType: string, receiveId: string, m: FeishuMessage, uuid: string): Promise<string> {
    const body = await this.call('send message', 'POST', '/open-apis/im/v1/messages', {
      params: { receive_id_type: receiveIdType },
      data: { receive_id: receiveId, msg_type: m.msgType, content: m.content, uuid },
    });
    return messageId(body);
  }

  /** Replies to a message (quoted in the chat, or in its thread). */
  async reply(messageIdToAnswer: string, m: FeishuMessage, uuid: string, inThread: boolean): Promise<string> {
    const body = await this.call('reply to message', 'POST', `/open-apis/im/v1/messages/${encodeURIComponent(messageIdToAnswer)}/reply`, {
      data: { msg_type: m.msgType, content: m.content, uuid, reply_in_thread: inThread },
    });
    return messageId(body);
  }

  async addReaction(messageIdToMark: string, emojiType: string): Promise<string> {
    const body = await this.call('add reaction', 'POST', `/open-apis/im/v1/messages/${encodeURIComponent(messageIdToMark)}/reactions`, {
      data: { reaction_type: { emoji_type: emojiType } },
    });
    return (body.data as { reaction_id?: string } | undefined)?.reaction_id ?? '';
  }

  async removeReaction(messageIdMarked: string, reactionId: string): Promise<void> {
    await this.call(
      'remove reaction',
      'DELETE',
      `/open-apis/im/v1/messages/${encodeURIComponent(messageIdMarked)}/reactions/${encodeURIComponent(reactionId)}`,
    );
  }

  /** Closes the connections kept open for later calls: the instance is stopping. */
  close(): void {
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
  }

  private async call<T = unknown>(
    what: string,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    req: { params?: Record<string, string>; data?: unknown } = {},
  ): Promise<Body<T> & T> {
    for (let attempt = 1; ; attempt++) {
      let failure: FeishuFailure;
      let token = '';
      try {
        token = await this.token.get();
        const body = (await this.http.request({
          method,
          url: `${this.baseUrl}${path}`,
          ...req,
          headers: { Authorization: `Bearer ${token}` },
        })) as unknown as Body<T> & T;
        if (!body || body.code === undefined || body.code === 0) return body;
        failure = { code: body.code, msg: body.msg ?? 'unknown error' };
      } catch (err) {
        failure = err instanceof FeishuCallError ? err.failure : describeFailure(err);
      }
      if (failure.code !== undefined && TOKEN_CODES.has(failure.code) && attempt === 1) {
        this.token.drop(token);
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

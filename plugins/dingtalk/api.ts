import type { Logger } from 'pino';
import type { DeliveryError, FetchLike } from '../../core/plugin';
import { toDeliveryError, type DingTalkFailure } from './errors';
import type { DingTalkOptions } from './options';

/** A call DingTalk refused or did not answer. */
export class DingTalkCallError extends Error {
  constructor(readonly failure: DingTalkFailure) {
    super(failure.message);
  }
}

/** Renew the token this long before DingTalk says it expires. */
const RENEW_EARLY_MS = 5 * 60_000;

/**
 * The DingTalk OpenAPI (`api.dingtalk.com/v1.0/...`) with the app's access token
 * (`x-acs-dingtalk-access-token`), taken from `/v1.0/oauth2/accessToken` and renewed before it
 * expires (or at once when a call says it is no longer valid), and the old API's upload.
 */
export class DingTalkApi {
  private token?: { value: string; until: number };
  private pending?: Promise<string>;

  constructor(
    private readonly options: DingTalkOptions,
    private readonly log: Logger,
    readonly fetch: FetchLike,
  ) {}

  get robotCode(): string {
    return this.options.robotCode ?? this.options.clientId;
  }

  /** The access token, fetched once for all callers at a time. */
  async accessToken(signal?: AbortSignal): Promise<string> {
    if (this.token && this.token.until > Date.now()) return this.token.value;
    this.pending ??= this.fetchToken(signal).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetchToken(signal?: AbortSignal): Promise<string> {
    const r = await this.request<{ accessToken?: string; expireIn?: number }>(
      'POST',
      '/v1.0/oauth2/accessToken',
      { appKey: this.options.clientId, appSecret: this.options.clientSecret },
      undefined,
      signal,
    );
    if (!r.accessToken) throw new DingTalkCallError({ status: 200, message: 'the token answer has no accessToken' });
    const ttl = (r.expireIn ?? 7200) * 1000;
    this.token = { value: r.accessToken, until: Date.now() + Math.max(ttl - RENEW_EARLY_MS, ttl / 2) };
    this.log.debug({ expireIn: r.expireIn }, 'DingTalk access token obtained');
    return r.accessToken;
  }

  /** An OpenAPI call with the token; a token DingTalk no longer takes is renewed once. */
  async call<T>(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.accessToken(signal);
      try {
        return await this.request<T>(method, path, body, token, signal);
      } catch (err) {
        if (attempt > 1 || !(err instanceof DingTalkCallError) || err.failure.code !== 'InvalidAuthentication') throw err;
        this.log.info({ path }, 'DingTalk refused the access token: renewing it');
        if (this.token?.value === token) this.token = undefined;
      }
    }
  }

  /** `call`, with a refusal as the delivery error core acts on. */
  async deliver<T>(what: string, method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    try {
      return await this.call<T>(method, path, body, signal);
    } catch (err) {
      throw this.asDeliveryError(err, what);
    }
  }

  asDeliveryError(err: unknown, what: string): DeliveryError | Error {
    if (err instanceof DingTalkCallError) return toDeliveryError(err.failure, what);
    if ((err as Error)?.name === 'AbortError') return err as Error;
    return toDeliveryError({ network: true, message: (err as Error)?.message ?? String(err) }, what);
  }

  private async request<T>(method: string, path: string, body: unknown, token: string | undefined, signal?: AbortSignal): Promise<T> {
    const url = `${this.options.apiUrl.replace(/\/$/, '')}${path}`;
    let res: Response;
    try {
      res = await this.fetch(url, {
        method,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(token ? { 'x-acs-dingtalk-access-token': token } : {}),
        },
        body: JSON.stringify(body ?? {}),
        signal: signal
          ? AbortSignal.any([signal, AbortSignal.timeout(this.options.requestTimeoutMs)])
          : AbortSignal.timeout(this.options.requestTimeoutMs),
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new DingTalkCallError({ network: true, message: `${method} ${path}: ${(err as Error).message}` });
    }
    const text = await res.text();
    let data: Record<string, unknown> = {};
    try {
      data = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      if (res.ok)
        throw new DingTalkCallError({ status: res.status, message: `${method} ${path} answered what is not JSON: ${text.slice(0, 120)}` });
    }
    if (res.ok) return data as T;
    const detail = data.accessdenieddetail as { requiredScopes?: unknown } | undefined;
    const retryAfter = Number(res.headers.get('retry-after'));
    throw new DingTalkCallError({
      status: res.status,
      ...(typeof data.code === 'string' ? { code: data.code } : {}),
      message: typeof data.message === 'string' ? data.message : text.slice(0, 200) || res.statusText,
      ...(Array.isArray(detail?.requiredScopes) ? { requiredScopes: detail.requiredScopes.map(String) } : {}),
      ...(retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
    });
  }

  /** Old API upload: `POST {oapiUrl}/media/upload?access_token&type`, multipart field `media`; returns the media_id. */
  async upload(
    type: 'image' | 'file' | 'voice' | 'video',
    data: Buffer,
    name: string,
    mime: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const what = `upload of ${name}`;
    const token = await this.accessToken(signal).catch((err: unknown) => {
      throw this.asDeliveryError(err, what);
    });
    const form = new FormData();
    form.append('media', new Blob([data], { type: mime }), name);
    const url = `${this.options.oapiUrl.replace(/\/$/, '')}/media/upload?access_token=${encodeURIComponent(token)}&type=${type}`;
    let res: Response;
    try {
      res = await this.fetch(url, { method: 'POST', body: form, ...(signal ? { signal } : {}) });
    } catch (err) {
      throw toDeliveryError({ network: true, message: (err as Error).message }, what);
    }
    const body = (await res.json().catch(() => ({}))) as { errcode?: number; errmsg?: string; media_id?: string };
    if (res.ok && body.errcode === 0 && body.media_id) return body.media_id;
    if (body.errcode === 40014) this.token = undefined;
    throw toDeliveryError(
      { status: res.status, ...(body.errcode !== undefined ? { code: body.errcode } : {}), message: body.errmsg ?? res.statusText },
      what,
    );
  }
}

import type { HttpInstance, HttpRequestOptions } from '@larksuiteoapi/node-sdk';
import { InstanceHttp } from '../../core/plugin';
import { TOKEN_CODES, failureOf, toDeliveryError, type FeishuFailure } from './errors';

const USER_AGENT = `chat-gateway (${process.release.name} ${process.version})`;

/** Fetched once per app and kept until three minutes before Feishu says it expires (as the SDK does). */
const TOKEN_MARGIN_MS = 3 * 60_000;

/** The REST base URL of a `domain` option. */
export function restBaseUrl(domain: string): string {
  if (domain === 'feishu') return 'https://open.feishu.cn';
  if (domain === 'lark') return 'https://open.larksuite.com';
  return domain.replace(/\/+$/, '');
}

/** A Feishu JSON answer: `code` 0 means success. */
export interface Body<T = unknown> {
  code?: number;
  msg?: string;
  data?: T;
}

/** A Feishu answer with a non-zero code (or no answer), carried as an error until it is classified. */
export class FeishuCallError extends Error {
  constructor(readonly failure: FeishuFailure) {
    super(failure.code !== undefined ? `code: ${failure.code}, msg: ${failure.msg}` : failure.msg);
    this.name = 'FeishuCallError';
  }
}

/** One request: query `params`, a JSON body, or a multipart form. */
export interface CallRequest {
  params?: Record<string, string>;
  json?: unknown;
  form?: FormData;
  signal?: AbortSignal;
}

/**
 * The app's HTTP link to Feishu's open platform: one instance-scoped connection pool (closed by
 * `close()`), the tenant access token (fetched once for concurrent calls, refreshed before it expires,
 * dropped and fetched again when Feishu refuses it), and every failure turned into a `DeliveryError`
 * by `errors.ts`. The SDK's long connection uses the same pool through {@link sdkHttp}.
 */
export class FeishuRest {
  readonly baseUrl: string;
  private readonly net = new InstanceHttp();
  private token?: string;
  private expiresAt = 0;
  private pending?: Promise<string>;

  constructor(
    domain: string,
    private readonly appId: string,
    private readonly appSecret: string,
    private readonly timeoutMs: number,
  ) {
    this.baseUrl = restBaseUrl(domain);
  }

  /** Calls an open API with the tenant token; returns the whole body (`code` 0). Throws a `DeliveryError`. */
  async call<T>(what: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, req: CallRequest = {}): Promise<Body<T>> {
    for (let attempt = 1; ; attempt++) {
      let token = '';
      let failure: FeishuFailure;
      try {
        token = await this.tenantToken();
        return await this.send<T>(method, path, req, token);
      } catch (err) {
        failure = err instanceof FeishuCallError ? err.failure : failureOf(err);
      }
      if (failure.code !== undefined && TOKEN_CODES.has(failure.code) && attempt === 1) {
        if (this.token === token) this.token = undefined;
        continue;
      }
      throw toDeliveryError(failure, what);
    }
  }

  /**
   * GETs a binary resource with the tenant token: resolves with the response once Feishu answered 200
   * with bytes (not a JSON error); failures are `DeliveryError`s as for {@link call}.
   */
  async download(what: string, path: string, params: Record<string, string>, signal: AbortSignal): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.tenantToken().catch((err: unknown) => {
        throw toDeliveryError(err instanceof FeishuCallError ? err.failure : failureOf(err), what);
      });
      const url = new URL(path, this.baseUrl);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      let res: Response;
      try {
        res = await this.net.fetch(url, { headers: { 'user-agent': USER_AGENT, authorization: `Bearer ${token}` }, signal });
      } catch (err) {
        throw toDeliveryError(failureOf(err), what);
      }
      if (res.status === 200 && !(res.headers.get('content-type') ?? '').startsWith('application/json')) return res;
      const text = await res.text();
      let body: Body | undefined;
      try {
        body = JSON.parse(text) as Body;
      } catch {
        body = undefined;
      }
      const code = typeof body?.code === 'number' && body.code !== 0 ? body.code : undefined;
      if (code !== undefined && TOKEN_CODES.has(code) && attempt === 1) {
        if (this.token === token) this.token = undefined;
        continue;
      }
      throw toDeliveryError(
        { httpStatus: res.status, ...(code !== undefined ? { code } : {}), msg: body?.msg ?? `HTTP ${res.status}` },
        what,
      );
    }
  }

  /** An HTTP client in the SDK's shape, over the same connections (the long connection's endpoint call). */
  readonly sdkHttp: HttpInstance = ((): HttpInstance => {
    const request = async <R>(opts: HttpRequestOptions<unknown>): Promise<R> => {
      const res = await this.net.fetch(new URL(opts.url ?? '', this.baseUrl), {
        method: (opts.method ?? 'GET').toUpperCase(),
        headers: { 'user-agent': USER_AGENT, 'content-type': 'application/json', ...(opts.headers ?? {}) },
        ...(opts.data !== undefined ? { body: JSON.stringify(opts.data) } : {}),
        signal: AbortSignal.timeout(opts.timeout ?? this.timeoutMs),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
      return JSON.parse(text) as R;
    };
    const withBody =
      (method: string) =>
      <R>(url: string, data?: unknown, opts?: HttpRequestOptions<unknown>) =>
        request<R>({ ...opts, url, method, data });
    const without =
      (method: string) =>
      <R>(url: string, opts?: HttpRequestOptions<unknown>) =>
        request<R>({ ...opts, url, method });
    return {
      request,
      get: without('GET'),
      delete: without('DELETE'),
      head: without('HEAD'),
      options: without('OPTIONS'),
      post: withBody('POST'),
      put: withBody('PUT'),
      patch: withBody('PATCH'),
    };
  })();

  /** Closes the connections kept open for later calls: the instance is stopping. */
  close(): void {
    this.net.close();
  }

  private tenantToken(): Promise<string> {
    if (this.token && Date.now() < this.expiresAt) return Promise.resolve(this.token);
    this.pending ??= this.fetchToken().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetchToken(): Promise<string> {
    const body = await this.send<never>('POST', '/open-apis/auth/v3/tenant_access_token/internal', {
      json: { app_id: this.appId, app_secret: this.appSecret },
    });
    const { tenant_access_token: token, expire } = body as { tenant_access_token?: string; expire?: number };
    if (!token) throw new FeishuCallError({ httpStatus: 200, msg: 'failed to get tenant_access_token: no token in the answer' });
    this.token = token;
    this.expiresAt = Date.now() + (expire ?? 7200) * 1000 - TOKEN_MARGIN_MS;
    return token;
  }

  private async send<T>(method: string, path: string, req: CallRequest, token?: string): Promise<Body<T>> {
    const url = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(req.params ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { 'user-agent': USER_AGENT };
    if (token) headers.authorization = `Bearer ${token}`;
    if (req.json !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
    const { status, text, reset } = req.form
      ? await this.sendForm(url, method, headers, req.form, req.signal)
      : await this.net
          .request(url, {
            method,
            headers,
            ...(req.json !== undefined ? { body: JSON.stringify(req.json) } : {}),
            ...(req.signal ? { signal: req.signal } : {}),
            timeoutMs: this.timeoutMs,
          })
          .then((r) => ({
            status: r.status,
            text: r.body.toString('utf8'),
            reset: r.headers['x-ogw-ratelimit-reset'] as string | undefined,
          }));
    let body: Body<T> | undefined;
    try {
      body = JSON.parse(text) as Body<T>;
    } catch {
      body = undefined;
    }
    const ok = status >= 200 && status < 300;
    const resetNumber = Number(reset);
    const resetSeconds = reset !== undefined && Number.isFinite(resetNumber) && resetNumber >= 0 ? resetNumber : undefined;
    if (ok && body && (body.code === undefined || body.code === 0)) return body;
    throw new FeishuCallError({
      httpStatus: status,
      ...(typeof body?.code === 'number' && body.code !== 0 ? { code: body.code } : {}),
      msg: body?.msg ?? (ok ? 'the answer is not JSON' : `HTTP ${status}`),
      ...(resetSeconds !== undefined ? { resetSeconds } : {}),
    });
  }

  /** A multipart upload: `fetch` serializes the form and names its boundary. */
  private async sendForm(url: URL, method: string, headers: Record<string, string>, form: FormData, signal?: AbortSignal) {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const res = await this.net.fetch(url, { method, headers, body: form, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    return { status: res.status, text: await res.text(), reset: res.headers.get('x-ogw-ratelimit-reset') ?? undefined };
  }
}

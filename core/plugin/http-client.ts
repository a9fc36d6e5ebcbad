import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

/** The `fetch` options the SDKs and plugins use. */
export interface FetchInit {
  method?: string;
  headers?: ConstructorParameters<typeof Headers>[0];
  body?: ConstructorParameters<typeof Response>[0];
  signal?: AbortSignal | null;
  redirect?: string;
}

/** A plain request of {@link InstanceHttp.request}: the body is already serialized. */
export interface PlainRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
  /** Gives up (rejecting with a `TimeoutError` DOMException, as `AbortSignal.timeout` does) after this long. */
  timeoutMs?: number;
}

/** A whole answer of {@link InstanceHttp.request}. */
export interface PlainResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A `fetch`-compatible function: what {@link InstanceHttp.fetch} is. */
export type FetchLike = (input: string | URL | Request, init?: FetchInit) => Promise<Response>;

/**
 * One plugin instance's HTTP connections: keep-alive agents of its own and a `fetch` over them, closed
 * together by `close()` in the adapter's `stop()`. The global `fetch` and Node's default agents keep
 * connections in process-wide pools nothing can close per instance, so a stopped or reloaded bot would
 * leave sockets open (the conformance kit checks that it does not).
 *
 * Pass `fetch` to SDKs that take one (`@slack/web-api`), `agents` to axios-based ones
 * (`httpAgent`/`httpsAgent`), or call `fetch` directly. Failures reject like the global fetch does: a
 * `TypeError('fetch failed')` whose `cause` is the socket error; response bodies stream.
 *
 * ```ts
 * private readonly net = new InstanceHttp();
 * const res = await this.net.fetch(`${base}/getMe`, { method: 'POST', signal });
 * async stop() { this.net.close(); }
 * ```
 */
export class InstanceHttp {
  readonly agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

  readonly fetch: FetchLike = async (input, init = {}) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    let body: Buffer | undefined;
    if (init.body !== undefined && init.body !== null) {
      // Strings, forms and buffers alike: let Response serialize the body and name its content type.
      const serialized = new Response(init.body);
      body = Buffer.from(await serialized.arrayBuffer());
      headers['content-type'] ??= serialized.headers.get('content-type') ?? 'application/octet-stream';
      headers['content-length'] = String(body.length);
    }
    const https = url.protocol === 'https:';
    const signal = init.signal ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(
        url,
        { method: init.method ?? 'GET', headers, agent: https ? this.agents.https : this.agents.http, ...(signal ? { signal } : {}) },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 300 && status < 400 && init.redirect === 'error') {
            res.resume();
            return reject(new TypeError(`fetch failed: redirected to ${String(res.headers.location)}`));
          }
          const noBody = status === 204 || status === 304 || init.method === 'HEAD';
          if (noBody) res.resume();
          const stream = noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
          resolve(new Response(stream, { status, statusText: res.statusMessage ?? '', headers: toHeaders(res.headers) }));
        },
      );
      req.on('error', (err) => reject(signal?.aborted ? (signal.reason ?? err) : new TypeError('fetch failed', { cause: err })));
      req.end(body);
    });
  };

  /**
   * One request whose whole answer is read into memory: the JSON calls of a plugin's hot path. It skips
   * what `fetch` costs per call (web streams, `Headers`, `Response`), which is a tenth of a sending
   * gateway's CPU. Rejects like `fetch` on socket errors, aborts and timeouts.
   */
  request(url: URL, init: PlainRequest = {}): Promise<PlainResponse> {
    const https = url.protocol === 'https:';
    const headers = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    return new Promise<PlainResponse>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const fail = (err: unknown) => {
        clearTimeout(timer);
        init.signal?.removeEventListener('abort', onAbort);
        reject(err);
      };
      const req = (https ? httpsRequest : httpRequest)(
        url,
        { method: init.method ?? 'GET', headers, agent: https ? this.agents.https : this.agents.http },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', fail);
          res.on('end', () => {
            clearTimeout(timer);
            init.signal?.removeEventListener('abort', onAbort);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
          });
        },
      );
      const abort = (reason: unknown) => {
        req.destroy();
        fail(reason);
      };
      const onAbort = () => abort(init.signal?.reason);
      if (init.signal?.aborted) return abort(init.signal.reason);
      init.signal?.addEventListener('abort', onAbort, { once: true });
      if (init.timeoutMs !== undefined)
        timer = setTimeout(() => abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), init.timeoutMs);
      req.on('error', (err) => fail(new TypeError('fetch failed', { cause: err })));
      req.end(init.body);
    });
  }

  /** Closes every connection the instance kept open: it is stopping. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

function toHeaders(h: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(h)) {
    if (Array.isArray(v)) v.forEach((x) => out.append(k, x));
    else if (v !== undefined) out.set(k, v);
  }
  return out;
}

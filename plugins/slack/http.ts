import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

type FetchInit = {
  method?: string;
  headers?: ConstructorParameters<typeof Headers>[0];
  body?: ConstructorParameters<typeof Response>[0];
  signal?: AbortSignal | null;
  redirect?: string;
};

/**
 * A `fetch` for the Slack clients over this instance's own keep-alive agents. The global `fetch` keeps
 * connections in a process-wide pool that nothing can close per instance; with its own agents, `stop()`
 * closes every connection the instance opened.
 */
export class InstanceFetch {
  private readonly agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

  readonly fetch = async (input: string | URL | Request, init: FetchInit = {}): Promise<Response> => {
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
    return new Promise<Response>((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(
        url,
        {
          method: init.method ?? 'GET',
          headers,
          agent: https ? this.agents.https : this.agents.http,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 300 && status < 400 && init.redirect === 'error')
              return reject(new TypeError(`redirected to ${String(res.headers.location)}`));
            const noBody = status === 204 || status === 304;
            resolve(
              new Response(noBody ? null : Buffer.concat(chunks), {
                status,
                statusText: res.statusMessage ?? '',
                headers: toHeaders(res.headers),
              }),
            );
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  };

  /** Closes the kept-alive connections: the instance is stopping. */
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

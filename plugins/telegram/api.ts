import { InstanceHttp } from '../../core/plugin';

/**
 * The few Bot API calls the channel makes, over the instance's own connections (`InstanceHttp`): JSON in, `{ ok, result }` or
 * `{ ok: false, error_code, description, parameters }` out. The token is part of every URL, so no
 * URL, and no error text that could quote one, leaves this file without the token scrubbed.
 */

/** `ResponseParameters` of a failed call. */
export interface ResponseParameters {
  retry_after?: number;
  migrate_to_chat_id?: number;
}

/** Telegram answered, and refused the call (`ok: false`), or answered something that is not the Bot API. */
export class TelegramApiError extends Error {
  constructor(
    readonly method: string,
    /** `error_code` of the answer, or the HTTP status when the body was not a Bot API answer. */
    readonly errorCode: number,
    /** Telegram's description, e.g. `Forbidden: bot was blocked by the user`. */
    readonly description: string,
    readonly parameters: ResponseParameters = {},
  ) {
    super(`${method}: ${errorCode} ${description}`);
    this.name = 'TelegramApiError';
  }
}

/** The call got no answer: connection refused or dropped, DNS, TLS, or the request timed out. */
export class TelegramNetworkError extends Error {
  constructor(
    readonly method: string,
    reason: string,
    readonly timedOut = false,
  ) {
    super(`${method}: ${reason}`);
    this.name = 'TelegramNetworkError';
  }
}

/** A file for a multipart call: the parameter it goes in (`photo`, `document`...), its bytes and name. */
export interface Upload {
  field: string;
  data: Buffer;
  name: string;
  mime: string;
}

export interface CallOptions {
  /** Abandons the call (the error thrown is the signal's reason). */
  signal?: AbortSignal;
  timeoutMs?: number;
}

export class BotApi {
  private readonly base: string;
  /** The bot's own connections, closed by `close()` when the instance stops. */
  private readonly net = new InstanceHttp();

  constructor(
    private readonly token: string,
    apiRoot: string,
    private readonly requestTimeoutMs: number,
  ) {
    this.base = apiRoot.replace(/\/+$/, '');
  }

  /** Calls a Bot API method and returns its `result`; throws `TelegramApiError` or `TelegramNetworkError`. */
  call<T>(method: string, params: Record<string, unknown> = {}, opts: CallOptions = {}): Promise<T> {
    return this.request<T>(method, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) }, opts);
  }

  /**
   * Calls a method with a file as multipart/form-data (`sendPhoto`, `sendDocument`...): the other
   * parameters as fields (objects as JSON), the bytes under `field`.
   */
  upload<T>(method: string, params: Record<string, unknown>, file: Upload, opts: CallOptions = {}): Promise<T> {
    const form = new FormData();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) form.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
    form.append(file.field, new Blob([file.data], { type: file.mime }), file.name);
    // Uploads take longer than a call: a minute more for every 5 MB.
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs + Math.ceil(file.data.length / (5 * 1024 * 1024)) * 60_000;
    return this.request<T>(method, { body: form }, { ...opts, timeoutMs });
  }

  /** Starts the download of a file `getFile` named (`/file/bot<token>/<file_path>`); the body streams. */
  async download(filePath: string, signal: AbortSignal): Promise<Response> {
    try {
      return await this.net.fetch(`${this.base}/file/bot${this.token}/${filePath.split('/').map(encodeURIComponent).join('/')}`, {
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason ?? err;
      throw new TelegramNetworkError('file download', this.scrub(networkReason(err)));
    }
  }

  private async request<T>(
    method: string,
    init: { headers?: Record<string, string>; body: string | FormData },
    opts: CallOptions,
  ): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
    const timer = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timer]) : timer;
    let status = 0;
    let text: string;
    try {
      const res = await this.net.fetch(`${this.base}/bot${this.token}/${method}`, { method: 'POST', ...init, signal });
      status = res.status;
      text = await res.text();
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? err;
      if (timer.aborted) throw new TelegramNetworkError(method, `no answer within ${timeoutMs} ms`, true);
      throw new TelegramNetworkError(method, this.scrub(networkReason(err)));
    }
    let body: { ok?: unknown; result?: unknown; error_code?: unknown; description?: unknown; parameters?: ResponseParameters } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    if (body && body.ok === true) return body.result as T;
    if (body && body.ok === false) {
      const code = typeof body.error_code === 'number' ? body.error_code : status;
      const description = typeof body.description === 'string' ? body.description : `HTTP ${status}`;
      throw new TelegramApiError(method, code, this.scrub(description), body.parameters ?? {});
    }
    // A proxy's or load balancer's page (nginx 502), not the Bot API: keep only the status.
    throw new TelegramApiError(method, status, `HTTP ${status} without a Bot API answer`);
  }

  /** Closes the bot's kept-alive connections: the instance is stopping. */
  close(): void {
    this.net.close();
  }

  /** Removes the token from text that may quote a URL. */
  scrub(text: string): string {
    return text.split(this.token).join('<token>');
  }
}

/** The most useful words of a fetch failure: undici puts the socket error in `cause`. */
function networkReason(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause;
  if (cause?.code && cause.message) return cause.message.includes(cause.code) ? cause.message : `${cause.code} ${cause.message}`;
  return cause?.message ?? e?.message ?? String(err);
}

/**
 * Webhook (HTTP callback) delivery the way Feishu does it:
 * - body: the event JSON, or `{"encrypt": base64(iv ‖ AES-256-CBC(key = sha256(encryptKey), iv, json))}`
 *   (PKCS#7 padding, random 16-byte iv) when an Encrypt Key is configured;
 * - headers: `X-Lark-Request-Timestamp`, `X-Lark-Request-Nonce`,
 *   `X-Lark-Signature = sha256_hex(timestamp + nonce + encryptKey + body)`;
 * - URL verification: `{challenge, token, type: "url_verification"}` (encrypted the same way when a key is
 *   set), answered by `{challenge}`.
 * Algorithms checked against the SDK's `AESCipher.decrypt` and `checkIsEventValidated`.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { hex } from './ids';

/** Options of webhook delivery. */
export interface WebhookOptions {
  /** Encrypt Key of the app's event subscription; enables encryption and the signature header. */
  encryptKey?: string;
  /** Verification Token; put in `header.token` / `token` when the event lacks one. */
  verificationToken?: string;
  /** Extra request headers; they override the computed ones (e.g. a forged X-Lark-Signature). */
  headers?: Record<string, string>;
  /** Request timeout, ms (Feishu gives the endpoint a few seconds). Default 5000. */
  timeoutMs?: number;
}

/** The endpoint's answer. */
export interface WebhookResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** `body` parsed as JSON when possible. */
  json?: unknown;
}

/** Encrypt a JSON string as Feishu does: base64(iv ‖ AES-256-CBC(sha256(key), iv, plaintext)). */
export function encryptPayload(encryptKey: string, plaintext: string): string {
  const key = createHash('sha256').update(encryptKey).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

/** `X-Lark-Signature` for a request body. */
export function signature(timestamp: string, nonce: string, encryptKey: string, body: string): string {
  return createHash('sha256')
    .update(timestamp + nonce + encryptKey + body)
    .digest('hex');
}

/** Build body + headers for delivering `payload` (an event or a challenge). */
export function buildWebhookRequest(payload: unknown, opts: WebhookOptions): { body: string; headers: Record<string, string> } {
  const json = JSON.stringify(payload);
  const body = opts.encryptKey ? JSON.stringify({ encrypt: encryptPayload(opts.encryptKey, json) }) : json;
  const headers: Record<string, string> = {
    'Content-Type': 'application/json; charset=utf-8',
    'User-Agent': 'Go-http-client/1.1',
    'X-Request-Id': hex(16),
  };
  if (opts.encryptKey) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = hex(8);
    headers['X-Lark-Request-Timestamp'] = timestamp;
    headers['X-Lark-Request-Nonce'] = nonce;
    headers['X-Lark-Signature'] = signature(timestamp, nonce, opts.encryptKey, body);
  }
  return { body, headers: { ...headers, ...(opts.headers ?? {}) } };
}

/** POST `body` to `url` and collect the answer. */
export function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs = 5000): Promise<WebhookResponse> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      u,
      { method: 'POST', headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`webhook ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

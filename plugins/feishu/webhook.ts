import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { FeishuOptions } from './options';
import type { EventHandler } from './connection';

const MAX_BODY = 1024 * 1024;

/** AES-256-CBC with key sha256(encryptKey) and the IV in the first 16 bytes, as Feishu encrypts events. */
export function decryptEvent(encrypted: string, encryptKey: string): string {
  const key = createHash('sha256').update(encryptKey).digest();
  const buf = Buffer.from(encrypted, 'base64');
  const decipher = createDecipheriv('aes-256-cbc', key, buf.subarray(0, 16));
  return Buffer.concat([decipher.update(buf.subarray(16)), decipher.final()]).toString('utf8');
}

/** Feishu's signature: sha256 hex of timestamp + nonce + encryptKey + raw body. */
export function signature(timestamp: string, nonce: string, encryptKey: string, body: string): string {
  return createHash('sha256')
    .update(timestamp + nonce + encryptKey + body)
    .digest('hex');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * The event route of webhook mode: checks the signature (with `encryptKey`), decrypts, answers the URL
 * challenge, checks the verification token, then hands the event to the same handler as the long
 * connection. Answers 200 only after the handler stored the event, so Feishu redelivers otherwise; a card
 * callback is answered with the handler's answer.
 */
export function webhookHandler(options: FeishuOptions, handlers: Record<string, EventHandler>, log: Logger) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      return reply(res, 413, { msg: 'body too large' });
    }
    let payload: Record<string, unknown>;
    let signed = false;
    try {
      payload = JSON.parse(raw) as Record<string, unknown>;
      const sig = String(req.headers['x-lark-signature'] ?? '');
      if (options.encryptKey && sig) {
        const ts = String(req.headers['x-lark-request-timestamp'] ?? '');
        const nonce = String(req.headers['x-lark-request-nonce'] ?? '');
        const expected = signature(ts, nonce, options.encryptKey, raw);
        if (sig.length !== expected.length || !timingSafeEqual(Buffer.from(sig), Buffer.from(expected))) {
          log.warn('Feishu webhook request with a wrong signature rejected (check encryptKey)');
          return reply(res, 401, { msg: 'signature mismatch' });
        }
        signed = true;
      }
      if (typeof payload.encrypt === 'string') {
        if (!options.encryptKey) {
          log.warn('Feishu sent an encrypted event but encryptKey is not configured');
          return reply(res, 400, { msg: 'encryptKey not configured' });
        }
        payload = JSON.parse(decryptEvent(payload.encrypt, options.encryptKey)) as Record<string, unknown>;
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'Feishu webhook request is not a valid (encrypted) JSON event');
      return reply(res, 400, { msg: 'invalid payload' });
    }
    // With an encryptKey every event is signed; only the URL challenge may come without a signature.
    if (options.encryptKey && !signed && payload.type !== 'url_verification') {
      log.warn('Feishu webhook event without a signature rejected (encryptKey is set)');
      return reply(res, 401, { msg: 'signature missing' });
    }
    const header = (payload.header ?? {}) as Record<string, unknown>;
    const token = payload.type === 'url_verification' ? payload.token : header.token;
    if (options.verificationToken && token !== options.verificationToken) {
      log.warn('Feishu webhook request with a wrong verification token rejected (check verificationToken)');
      return reply(res, 401, { msg: 'verification token mismatch' });
    }
    if (payload.type === 'url_verification') return reply(res, 200, { challenge: payload.challenge });
    const handler = handlers[String(header.event_type)];
    if (!handler) return reply(res, 200, { msg: 'ignored' });
    try {
      const answer = await handler({ ...header, ...((payload.event ?? {}) as Record<string, unknown>) });
      // A card callback's answer (`{}` or a toast) is the response body; other events just get 200.
      reply(res, 200, answer && typeof answer === 'object' ? answer : { msg: 'ok' });
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'Feishu webhook event not stored; Feishu will redeliver it');
      reply(res, 500, { msg: 'not stored, retry later' });
    }
  };
}

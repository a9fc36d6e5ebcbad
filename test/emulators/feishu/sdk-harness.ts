/**
 * Test helpers wiring the real `@larksuiteoapi/node-sdk` to a FeishuEmulator: silent loggers that
 * still record what the SDK says, WSClient start/stop, and error unwrapping.
 */
import * as lark from '@larksuiteoapi/node-sdk';
import { hex } from './ids';

/** One line the SDK logged. */
export interface LogLine {
  level: string;
  text: string;
}

/**
 * A logger that prints nothing but keeps the lines. Note: `loggerLevel: LoggerLevel.fatal` (0) does
 * NOT silence `lark.Client` (it uses `params.loggerLevel || info`), so pass a logger instead.
 */
export function recordingLogger(lines: LogLine[] = []): { logger: lark.Logger; lines: LogLine[] } {
  const rec =
    (level: string) =>
    (...msg: unknown[]): void => {
      lines.push({
        level,
        text: msg
          .flat(3)
          .map((m) => (typeof m === 'string' ? m : safeJson(m)))
          .join(' '),
      });
    };
  return {
    logger: { error: rec('error'), warn: rec('warn'), info: rec('info'), debug: rec('debug'), trace: rec('trace') },
    lines,
  };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A fresh app id/secret pair (unique per test, so the SDK's process-wide token cache never mixes tests). */
export const newCredentials = (): { appId: string; appSecret: string } => ({ appId: `cli_${hex(8)}`, appSecret: hex(16) });

/** The SDK types cache keys with the `Symbol` wrapper type. */
type CacheKey = Parameters<lark.Cache['get']>[0];

/** Minimal in-memory cache with the SDK's Cache interface (lets a test drop cached tokens). */
export class TestCache implements lark.Cache {
  readonly values = new Map<string, { value: unknown; expiredTime?: number }>();
  private key(key: CacheKey, namespace?: string): string {
    return `${namespace ?? ''}/${key.toString()}`;
  }
  async set(key: CacheKey, value: unknown, expiredTime?: number, options?: { namespace?: string }): Promise<boolean> {
    this.values.set(this.key(key, options?.namespace), { value, expiredTime });
    return true;
  }
  async get(key: CacheKey, options?: { namespace?: string }): Promise<unknown> {
    const v = this.values.get(this.key(key, options?.namespace));
    if (!v) return undefined;
    if (v.expiredTime !== undefined && v.expiredTime <= Date.now()) return undefined;
    return v.value;
  }
}

/** `lark.Client` against the emulator. */
export function makeClient(domain: string, creds: { appId: string; appSecret: string }, cache?: lark.Cache): lark.Client {
  return new lark.Client({ ...creds, domain, logger: recordingLogger().logger, loggerLevel: lark.LoggerLevel.error, cache });
}

/** Started WSClient plus the events its handler saw. */
export interface WsHarness {
  ws: lark.WSClient;
  received: Array<Record<string, any>>;
  logs: LogLine[];
  errors: Error[];
  stop: () => void;
}

/**
 * Start a WSClient with an EventDispatcher for im.message.receive_v1. `handler` defaults to recording
 * the event; it may throw or hang to test acks.
 */
export async function startWs(
  domain: string,
  creds: { appId: string; appSecret: string },
  handler?: (data: Record<string, any>) => Promise<unknown> | unknown,
): Promise<WsHarness> {
  const { logger, lines } = recordingLogger();
  const received: Array<Record<string, any>> = [];
  const errors: Error[] = [];
  const dispatcher = new lark.EventDispatcher({ logger, loggerLevel: lark.LoggerLevel.debug }).register({
    'im.message.receive_v1': async (data: Record<string, any>) => {
      received.push(data);
      return handler ? handler(data) : undefined;
    },
  });
  const ws = new lark.WSClient({
    ...creds,
    domain,
    logger,
    loggerLevel: lark.LoggerLevel.trace,
    onError: (e: Error) => errors.push(e),
  });
  await ws.start({ eventDispatcher: dispatcher });
  return { ws, received, logs: lines, errors, stop: () => ws.close({ force: true }) };
}

/** The Feishu answer inside an SDK (axios) error. */
export function feishuErrorOf(e: unknown): { status?: number; code?: number; msg?: string; headers?: Record<string, string> } {
  const r = (e as { response?: { status?: number; data?: { code?: number; msg?: string }; headers?: Record<string, string> } }).response;
  return { status: r?.status, code: r?.data?.code, msg: r?.data?.msg, headers: r?.headers };
}

/** Wait until `cond()` holds (polling). */
export async function eventually(cond: () => boolean, timeoutMs = 3000, stepMs = 10): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

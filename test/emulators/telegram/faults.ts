/** Injected failures (queued per method) and artificial latency. */
import type { Answer } from './updates';
import type { FaultRule } from './types';

const DEFAULT_DESCRIPTION: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden: bot was blocked by the user',
  404: 'Not Found',
  409: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

export type FaultAction = { kind: 'answer'; answer: Answer } | { kind: 'drop' } | { kind: 'html'; status: number };

export class Faults {
  private rules: Array<FaultRule & { left: number }> = [];
  private readonly latency = new Map<string, number>();

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, method: rule.method.toLowerCase(), left: rule.times ?? 1 });
  }

  /** Uses up one matching rule, if any. */
  take(method: string, botId: number): FaultAction | undefined {
    const i = this.rules.findIndex((r) => (r.method === '*' || r.method === method) && (r.botId === undefined || r.botId === botId));
    if (i < 0) return undefined;
    const rule = this.rules[i]!;
    if (--rule.left <= 0) this.rules.splice(i, 1);
    if ('drop' in rule) return { kind: 'drop' };
    if ('html' in rule) return { kind: 'html', status: rule.html };
    const description =
      rule.description ??
      (rule.errorCode === 429
        ? `Too Many Requests: retry after ${rule.retryAfter ?? 1}`
        : (DEFAULT_DESCRIPTION[rule.errorCode] ?? 'Error'));
    const parameters =
      rule.errorCode === 429
        ? { retry_after: rule.retryAfter ?? 1 }
        : rule.migrateTo !== undefined
          ? { migrate_to_chat_id: rule.migrateTo }
          : undefined;
    return { kind: 'answer', answer: { ok: false, error_code: rule.errorCode, description, ...(parameters ? { parameters } : {}) } };
  }

  setLatency(method: string, ms: number): void {
    if (ms > 0) this.latency.set(method.toLowerCase(), ms);
    else this.latency.delete(method.toLowerCase());
  }

  latencyFor(method: string): number {
    return this.latency.get(method) ?? this.latency.get('*') ?? 0;
  }

  clear(): void {
    this.rules = [];
    this.latency.clear();
  }
}

export const NGINX_PAGE = (status: number, reason: string) =>
  `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n`;

import type { Logger } from 'pino';
import { backoff as exponential, settledWithin, sleep, type PluginContext } from '../../core/plugin';
import { TelegramApiError, TelegramNetworkError, type BotApi } from './api';
import type { TelegramOptions } from './options';
import type { Update } from './types';

type Trouble = { state: 'reconnecting' | 'failed'; detail: string; delayMs: number };

const backoff = (failures: number, initialMs: number, maxMs: number) => Math.round(exponential(failures, { initialMs, maxMs }));

/** What a 409 means: another poller with this token, or a webhook set behind the gateway's back. */
export function explainConflict(description: string): string {
  return /webhook/i.test(description)
    ? `${description} — a webhook was set for this bot (by another deployment?); long polling cannot run while it exists: remove it or stop that deployment`
    : `${description} — another process polls with this token (another deployment, a script or an old bot program; replicas of this gateway share one poller); Telegram allows one poller per token: stop it, or give this gateway its own bot`;
}

/** What the loop reports and how long it waits after a failed getUpdates. */
function describeFailure(err: unknown, failures: number): Trouble {
  if (err instanceof TelegramApiError) {
    if (err.errorCode === 409)
      return { state: 'failed', detail: explainConflict(err.description), delayMs: backoff(failures, 1000, 30_000) };
    if (err.errorCode === 401)
      return {
        state: 'failed',
        detail: 'Unauthorized: check token from @BotFather (was it revoked?)',
        delayMs: backoff(failures, 5000, 60_000),
      };
    if (err.errorCode === 429)
      return {
        state: 'reconnecting',
        detail: `rate limited by Telegram: ${err.description}`,
        delayMs: (err.parameters.retry_after ?? 1) * 1000,
      };
    if (err.errorCode >= 500 || err.errorCode < 400)
      return {
        state: 'reconnecting',
        detail: `Telegram answered ${err.errorCode} ${err.description}`,
        delayMs: backoff(failures, 500, 30_000),
      };
    return { state: 'failed', detail: `getUpdates refused: ${err.errorCode} ${err.description}`, delayMs: backoff(failures, 5000, 60_000) };
  }
  const reason = err instanceof TelegramNetworkError ? err.message : `unexpected error: ${(err as Error)?.message ?? String(err)}`;
  return { state: 'reconnecting', detail: `Telegram unreachable: ${reason}`, delayMs: backoff(failures, 500, 30_000) };
}

/**
 * The long-poll loop. Each batch of updates is handed over in order; an update's offset is confirmed
 * (by the next getUpdates call) only after it was stored in NATS. When storing fails the loop waits
 * and reads from the first unstored update again, so nothing Telegram handed over is lost, and a crash
 * before the confirmation means a re-read that core's dedup drops.
 */
export class Poller {
  /** The next getUpdates offset: one past the last stored update. */
  private offset?: number;
  /** The offset Telegram was last given (what it has forgotten). */
  private confirmed?: number;
  private health: 'connected' | 'reconnecting' | 'failed' = 'connected';
  private healthDetail = '';
  private readonly stopping = new AbortController();
  private loop?: Promise<void>;
  private readonly log: Logger;

  constructor(
    private readonly api: BotApi,
    private readonly options: TelegramOptions,
    private readonly ctx: PluginContext,
    private readonly handle: (update: Update) => Promise<void>,
  ) {
    this.log = ctx.logger;
  }

  start(): void {
    const signal = AbortSignal.any([this.ctx.signal, this.stopping.signal]);
    this.loop = this.run(signal).catch((err: Error) => this.log.error({ err: err.message }, 'Telegram poll loop ended unexpectedly'));
  }

  /** Ends the long poll at once (the pending request is aborted), then confirms what was stored. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('channel stopping'));
    if (this.loop) await settledWithin(this.loop, 1000);
    if (this.offset === undefined || this.offset === this.confirmed) return;
    // Saves a restart from reading (and de-duplicating) the last batch again; best effort.
    try {
      await this.api.call('getUpdates', { offset: this.offset, limit: 1, timeout: 0 }, { timeoutMs: 1000 });
      this.log.debug({ offset: this.offset }, 'Telegram updates confirmed on stop');
    } catch (err) {
      this.log.debug(
        { err: (err as Error).message },
        'could not confirm the last updates on stop; a restart reads them again and dedup drops them',
      );
    }
  }

  private async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    let storeFailures = 0;
    poll: while (!signal.aborted) {
      const offset = this.offset;
      let updates: Update[];
      try {
        // After a failure, a short poll tells at once whether Telegram is back.
        const timeout = failures ? 0 : this.options.pollTimeoutSec;
        updates = await this.api.call<Update[]>(
          'getUpdates',
          { ...(offset !== undefined ? { offset } : {}), timeout, allowed_updates: this.options.allowedUpdates },
          { signal, timeoutMs: timeout * 1000 + this.options.requestTimeoutMs },
        );
      } catch (err) {
        if (signal.aborted) break;
        const trouble = describeFailure(err, ++failures);
        this.report(trouble.state, trouble.detail, trouble.delayMs);
        await sleep(trouble.delayMs, signal).catch(() => undefined);
        continue;
      }
      this.confirmed = offset;
      if (failures) {
        failures = 0;
        this.report('connected', 'long polling restored');
      }
      for (const update of updates) {
        if (signal.aborted) break poll;
        try {
          await this.handle(update);
          storeFailures = 0;
        } catch (err) {
          const delayMs = backoff(++storeFailures, 500, 5000);
          this.log.warn(
            { updateId: update.update_id, err: (err as Error).message, retryInMs: delayMs },
            'Telegram update not stored (NATS unavailable?); its offset stays unconfirmed and it is read again',
          );
          await sleep(delayMs, signal).catch(() => undefined);
          continue poll;
        }
        this.offset = update.update_id + 1;
      }
    }
  }

  private report(state: 'connected' | 'reconnecting' | 'failed', detail: string, retryInMs?: number): void {
    const changed = state !== this.health || detail !== this.healthDetail;
    this.health = state;
    this.healthDetail = detail;
    const fields = { state, detail, ...(retryInMs !== undefined ? { retryInMs } : {}) };
    if (state === 'connected') this.log.info(fields, 'Telegram long polling restored');
    else if (changed)
      this.log[state === 'failed' ? 'error' : 'warn'](
        fields,
        `Telegram long polling ${state === 'failed' ? 'failed' : 'interrupted'}: ${detail}`,
      );
    else this.log.debug(fields, `Telegram long polling still ${state}`);
    if (changed) this.ctx.status(state, detail);
  }
}

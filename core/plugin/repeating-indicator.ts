import type { Logger } from 'pino';

/**
 * A working indicator ("typing…") that the platform shows for a few seconds per call, kept up per
 * conversation: `keepUp` makes the first call (its failure is the caller's), then calls again every
 * `repeatMs` until `clear` (the bot posts in the conversation), `close`, or `limitMs` after the first
 * call (the contract's "about 60 s"). A failed repeat ends the repeats, logged at debug: the indicator
 * then fades by itself.
 *
 * ```ts
 * const typing = new RepeatingIndicator(4000, 60_000, ctx.logger);   // shown 5 s per call
 * await typing.keepUp(chatId, (signal) => api.sendTyping(chatId, { signal }), info.signal);
 * typing.clear(chatId);                                                // before each message to chatId
 * ```
 */
export class RepeatingIndicator {
  private readonly repeats = new Map<string, NodeJS.Timeout>();

  constructor(
    readonly repeatMs: number,
    readonly limitMs: number,
    private readonly log: Logger,
  ) {}

  /** Calls `call(signal)` now and `call()` every `repeatMs` after, replacing the repeats `conversation` had. */
  async keepUp(conversation: string, call: (signal?: AbortSignal) => Promise<unknown>, signal?: AbortSignal): Promise<void> {
    await call(signal);
    this.clear(conversation);
    const until = Date.now() + this.limitMs;
    // A repeat that fails after `keepUp` was called again must not end the newer repeats.
    const stop = () => {
      if (this.repeats.get(conversation) === timer) this.clear(conversation);
    };
    const timer = setInterval(() => {
      if (Date.now() >= until) return stop();
      call().catch((err: Error) => {
        this.log.debug({ conversation, err: err.message }, `typing indicator not repeated: ${err.message}`);
        stop();
      });
    }, this.repeatMs);
    timer.unref();
    this.repeats.set(conversation, timer);
  }

  /** The bot is about to post in `conversation`: no more repeats there. */
  clear(conversation: string): void {
    clearInterval(this.repeats.get(conversation));
    this.repeats.delete(conversation);
  }

  /** Ends every conversation's repeats (in `stop()`). */
  close(): void {
    for (const conversation of [...this.repeats.keys()]) this.clear(conversation);
  }
}

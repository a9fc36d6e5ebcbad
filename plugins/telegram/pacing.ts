import { sleep } from '../../core/plugin';

/**
 * Keeps calls under a rate: at most `limit` per `windowMs`. Telegram lets a bot send about 30
 * messages a second overall; staying under it saves the 429 round trips instead of retrying after them.
 */
export class Pacer {
  private calls: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.calls = this.calls.filter((t) => now - t < this.windowMs);
      if (this.calls.length < this.limit) {
        this.calls.push(now);
        return;
      }
      await sleep(this.windowMs - (now - this.calls[0]!) + 1, signal);
    }
  }
}

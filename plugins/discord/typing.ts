import type { Logger } from 'pino';
import type { DiscordApi } from './api';

/** Discord shows "typing…" for about 10 s per call: the channel calls again every 8 s. */
const REPEAT_MS = 8_000;
/** The contract's limit for one typing request. */
const LIMIT_MS = 60_000;

/**
 * The working indicator: `POST /channels/:id/typing` now and every 8 s, until the bot's next message
 * in the channel (Discord also ends it then) or 60 s.
 */
export class Typing {
  private readonly timers = new Map<string, { interval: NodeJS.Timeout; until: number }>();

  constructor(
    private readonly api: DiscordApi,
    private readonly log: Logger,
  ) {}

  async show(channel: string): Promise<void> {
    this.clear(channel);
    await this.api.typing(channel);
    const until = Date.now() + LIMIT_MS;
    const interval = setInterval(() => {
      if (Date.now() + REPEAT_MS > until) return this.clear(channel);
      this.api.typing(channel).catch((err: Error) => {
        this.log.debug({ err, channel }, `Discord typing indicator not renewed: ${err.message}`);
        this.clear(channel);
      });
    }, REPEAT_MS);
    this.timers.set(channel, { interval, until });
  }

  /** The bot is about to post in the channel: no more renewals. */
  clear(channel: string): void {
    const t = this.timers.get(channel);
    if (t) clearInterval(t.interval);
    this.timers.delete(channel);
  }

  close(): void {
    for (const channel of [...this.timers.keys()]) this.clear(channel);
  }
}

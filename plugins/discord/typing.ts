import type { Logger } from 'pino';
import { RepeatingIndicator } from '../../core/plugin';
import type { DiscordApi } from './api';

/** Discord shows "typing…" for about 10 s per call: the channel calls again every 8 s. */
const REPEAT_MS = 8_000;
/** The contract's limit for one typing request. */
const LIMIT_MS = 60_000;

/**
 * The working indicator: `POST /channels/:id/typing` now and every 8 s, until the bot's next message
 * in the channel (`clear`; Discord also ends it then) or 60 s.
 */
export class Typing extends RepeatingIndicator {
  constructor(
    private readonly api: DiscordApi,
    log: Logger,
  ) {
    super(REPEAT_MS, LIMIT_MS, log);
  }

  show(channel: string): Promise<void> {
    return this.keepUp(channel, () => this.api.typing(channel));
  }
}

import type { Logger } from 'pino';
import { BoundedMap } from '../../core/plugin';
import type { MessageOrigin, SlackApi } from './api';
import { messageIdOf } from './inbound';

/**
 * Where the messages the bot answers sit: their thread parent (Slack wants the parent's ts as
 * `thread_ts`, never a reply's) and who wrote them (the recipient of a stream). Known for the messages
 * this instance received; asked of `conversations.replies` otherwise (after a restart, or when another
 * replica received the message).
 */
export class Threads {
  private readonly origins = new BoundedMap<string, MessageOrigin>(20_000);
  /** The latest message received in each conversation: what typing reacts to when no message is named. */
  private readonly latest = new BoundedMap<string, string>(5_000);

  constructor(
    private readonly api: SlackApi,
    private readonly log: Logger,
  ) {}

  /** A message received: where it sits and who wrote it. */
  note(channel: string, ts: string, origin: MessageOrigin): void {
    this.origins.set(messageIdOf(channel, ts), origin);
    this.latest.set(channel, ts);
  }

  /** The ts of the latest message received in a conversation, if any. */
  latestIn(channel: string): string | undefined {
    return this.latest.get(channel);
  }

  /** The thread parent and author of a message; a message Slack cannot find is taken as its own parent. */
  async of(channel: string, ts: string): Promise<MessageOrigin> {
    const id = messageIdOf(channel, ts);
    let origin = this.origins.get(id);
    if (!origin) {
      origin = await this.api.origin(channel, ts).catch((err: Error) => {
        this.log.debug({ replyTo: id, err: err.message }, 'thread parent unknown; replying to the message ts itself');
        return { root: ts };
      });
      this.origins.set(id, origin);
    }
    return origin;
  }

  /**
   * The `thread_ts` of a reply to message `ts`: its thread parent; with `replyInThread: false`, only a
   * message already in a thread gets a threaded answer.
   */
  async threadFor(channel: string, ts: string | undefined, replyInThread: boolean): Promise<string | undefined> {
    if (!ts) return undefined;
    const { root } = await this.of(channel, ts);
    return replyInThread || root !== ts ? root : undefined;
  }
}

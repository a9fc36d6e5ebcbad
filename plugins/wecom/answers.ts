import type { Logger } from 'pino';
import { BoundedMap, hashId, type PluginStore } from '../../core/plugin';

/**
 * The reply of one received message: WeCom's answer to a callback is a stream on its req_id, which
 * the channel opens as soon as the message is stored (WeCom pushes a callback again until it gets a
 * reply) and the agent's first answer to that message then fills.
 */
export interface Answer {
  msgid: string;
  reqId: string;
  streamId: string;
  chat: string;
  /** When its first frame went (ms): WeCom takes frames for 6 minutes after. */
  openedAt: number;
  /** The envelope that answers it, once one did: any later answer is a message of its own. */
  takenBy?: string;
}

const key = (msgid: string) => `answer.${msgid}`;

/** The open answers, in memory and in `ctx.store` (a replica taking over the connection finds them). */
export class Answers {
  private readonly recent = new BoundedMap<string, Answer>(5000);

  constructor(
    private readonly store: PluginStore,
    private readonly log: Logger,
  ) {}

  /** The stream id of the answer to `msgid`: derived from it, so a retry or another replica uses the same stream. */
  static streamId(msgid: string): string {
    return `stream_${hashId(msgid, 48)}`;
  }

  async get(msgid: string): Promise<Answer | undefined> {
    const hit = this.recent.get(msgid);
    if (hit) return hit;
    const raw = await this.store.get(key(msgid)).catch((err: Error) => {
      this.log.warn({ msgid, err: err.message }, 'the answer of a message could not be read from NATS');
      return undefined;
    });
    if (!raw) return undefined;
    const answer = JSON.parse(raw) as Answer;
    this.recent.set(msgid, answer);
    return answer;
  }

  async save(answer: Answer): Promise<void> {
    this.recent.set(answer.msgid, answer);
    await this.store.put(key(answer.msgid), JSON.stringify(answer)).catch((err: Error) => {
      this.log.warn({ msgid: answer.msgid, err: err.message }, 'the answer of a message could not be written to NATS; kept in memory');
    });
  }

  /** The answer to `msgid` for envelope `envelope`: open and not taken by another envelope (taken now), else undefined. */
  async take(msgid: string, envelope: string): Promise<Answer | undefined> {
    const answer = await this.get(msgid);
    if (!answer || (answer.takenBy && answer.takenBy !== envelope)) return undefined;
    if (!answer.takenBy) await this.save({ ...answer, takenBy: envelope });
    return { ...answer, takenBy: envelope };
  }
}

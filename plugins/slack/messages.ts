import { DeliveryError, type EditResult, type OutboundEnvelope, type SendInfo, type SentMessage } from '../../core/plugin';
import type { SlackApi } from './api';
import { withButtons } from './blocks';
import { renderOne } from './outbound';
import type { StreamHandle, Streams } from './stream';

/** A message id as the channel makes them (`<channel>:<ts>`), split. */
export function parseMessageId(id: string): { channel: string; ts: string } {
  const m = /^([CDG][A-Z0-9]{2,}):(\d+\.\d+)$/.exec(id);
  if (!m)
    throw DeliveryError.permanent(`"${id}" is not a Slack message id: use message.id of an inbound envelope ("<channel>:<ts>")`, {
      code: 'E_SCHEMA',
    });
  return { channel: m[1]!, ts: m[2]! };
}

/** The handle core kept for a message, when the channel gave it one. */
function handleOf(target: SentMessage): StreamHandle | undefined {
  const h = target.handle as Partial<StreamHandle> | undefined;
  return h && (h.mode === 'stream' || h.mode === 'update') && typeof h.channel === 'string' && typeof h.ts === 'string'
    ? (h as StreamHandle)
    : undefined;
}

/**
 * Edits and deletes of what the bot sent. A streamed message (or one edited before) has a handle: its
 * frames go through `Streams`. A message sent whole is edited with `chat.update`; when it had been
 * split into several, the edit shows the whole snapshot in the first and deletes the others (an edit
 * cannot split), and the handle says so.
 */
export class Messages {
  constructor(
    private readonly api: SlackApi,
    private readonly streams: Streams,
  ) {}

  async edit(env: OutboundEnvelope, target: SentMessage, info: SendInfo): Promise<EditResult> {
    const handle = handleOf(target);
    if (handle) return { handle: await this.streams.frame(env, handle, info) };
    const [first, ...rest] = target.messageIds.map(parseMessageId);
    if (!first) throw DeliveryError.permanent(`the message of "${target.envelope}" has no Slack id to edit`, { code: 'E_UNSUPPORTED' });
    await this.api.update(first.channel, first.ts, withButtons(renderOne(env), info.actions));
    for (const m of rest) await this.deleteOne(m.channel, m.ts);
    return { handle: { mode: 'update', channel: first.channel, ts: first.ts } satisfies StreamHandle };
  }

  async delete(target: SentMessage): Promise<void> {
    const handle = handleOf(target);
    const all = handle ? [{ channel: handle.channel, ts: handle.ts }] : target.messageIds.map(parseMessageId);
    for (const m of all) await this.deleteOne(m.channel, m.ts);
  }

  /** Deletes one message; one already gone counts as deleted (a retry after a crash). */
  private async deleteOne(channel: string, ts: string): Promise<void> {
    await this.api.delete(channel, ts).catch((err: DeliveryError) => {
      if (err.platformCode !== 'message_not_found') throw err;
    });
  }
}

import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { DeliveryError, Pacer, type ActionButton, type OutboundEnvelope, type PluginStore, type SendInfo } from '../../core/plugin';
import type { SlackApi } from './api';
import { actionsBlock, withButtons } from './blocks';
import { refusedOutright } from './errors';
import { renderOne } from './outbound';

/** What a stream holds: its length and a digest of its text, enough to tell whether a snapshot extends it. */
export interface Held {
  chars: number;
  sha: string;
}

/**
 * What core keeps of a streamed message (`SendResult.handle`, `EditResult.handle`), on every replica:
 * `stream` while Slack's stream is open (and what it holds, so the next frame appends only the rest);
 * `update` for a message shown by `chat.update` (no thread to stream in, Slack refused or closed the
 * stream, or the stream is done).
 */
export type StreamHandle = { mode: 'stream'; channel: string; ts: string; held: Held } | { mode: 'update'; channel: string; ts: string };

/** Slack takes at most 12,000 characters of `markdown_text` in one call. */
const MARKDOWN_LIMIT = 12_000;
/** What the message shows while a stream that cannot stream natively has no text yet. */
export const PLACEHOLDER = '…';
/** startStream refusals after which the answer is shown by editing one message instead. */
const NO_STREAM_HERE = new Set([
  'channel_type_not_supported',
  'unknown_method',
  'cannot_reply_to_message',
  'restricted_action_non_threadable_channel',
  'missing_recipient_user_id',
  'missing_recipient_team_id',
]);

export const held = (text: string): Held => ({ chars: text.length, sha: createHash('sha256').update(text).digest('hex').slice(0, 32) });
const same = (a: Held, b: Held) => a.chars === b.chars && a.sha === b.sha;

/** The text a stream carries: markdown as written; plain text with markdown's characters escaped, one by one. */
export function streamText(env: OutboundEnvelope): string {
  const text = env.text ?? '';
  return env.format === 'markdown' ? text : text.replace(/[\\`*_~[\]<>#|]/g, '\\$&');
}

/** `text` cut in pieces Slack takes in one call, never inside a surrogate pair. */
function cut(text: string): string[] {
  const out: string[] = [];
  for (let at = 0; at < text.length;) {
    let end = Math.min(at + MARKDOWN_LIMIT, text.length);
    if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
    out.push(text.slice(at, end));
    at = end;
  }
  return out;
}

/** Where a new stream goes: the conversation, the thread of the message answered, and who asked. */
export interface StreamPlace {
  channel: string;
  thread?: string;
  recipient?: { user: string; team: string };
}

/**
 * Slack's native streams (`chat.startStream` / `appendStream` / `stopStream`) driven by core's snapshot
 * frames. A frame that extends what the stream holds appends the rest; one that rewrites it (or a frame
 * after Slack closed the stream) stops the stream and shows the snapshot with `chat.update`, as does a
 * stream with no thread to stream in. Frames of one message are paced (`paceMs`), and core merges the
 * frames that wait meanwhile.
 *
 * Before each append the state it leads to is written to `ctx.store` (the intent): a replica taking
 * over that finds an intent beyond the handle core kept cannot tell whether that append reached Slack,
 * so instead of appending again it stops the stream and writes the whole snapshot with `chat.update`.
 */
export class Streams {
  private readonly pace: Pacer;
  /** The last intent this process wrote per stream: spares a store read per frame. */
  private readonly intents = new Map<string, Held>();

  constructor(
    private readonly api: SlackApi,
    private readonly store: PluginStore,
    private readonly log: Logger,
    paceMs: number,
  ) {
    this.pace = new Pacer(1, paceMs);
  }

  /** Opens the stream of `env` (`stream: true`); returns its ts and handle. */
  async open(env: OutboundEnvelope, place: StreamPlace, info: SendInfo): Promise<StreamHandle> {
    const text = streamText(env);
    if (place.thread) {
      try {
        const [first = '', ...rest] = cut(text);
        const ts = await this.api.startStream({
          channel: place.channel,
          thread_ts: place.thread,
          ...(first ? { markdown_text: first } : {}),
          ...(place.recipient ? { recipient_user_id: place.recipient.user, recipient_team_id: place.recipient.team } : {}),
        });
        // The opening counts against the pace of the stream's frames (no wait: the key is new).
        void this.pace.take(ts);
        for (const piece of rest) await this.api.appendStream(place.channel, ts, piece);
        return { mode: 'stream', channel: place.channel, ts, held: held(text) };
      } catch (err) {
        const code = (err as DeliveryError).platformCode;
        if (!(err instanceof DeliveryError) || typeof code !== 'string' || !NO_STREAM_HERE.has(code)) throw err;
        this.log.info(
          { channel: place.channel, platformCode: code },
          'Slack cannot stream here: the answer is shown by editing one message',
        );
        if (code === 'restricted_action_non_threadable_channel') delete place.thread;
      }
    }
    const posted = await this.api.postMessage({
      channel: place.channel,
      ...withButtons(renderOne(env, PLACEHOLDER), info.actions),
      ...(place.thread ? { thread_ts: place.thread } : {}),
    });
    void this.pace.take(posted.ts);
    return { mode: 'update', channel: posted.channel, ts: posted.ts };
  }

  /** One frame (the last when `env.done`): the stream's next state. */
  async frame(env: OutboundEnvelope, handle: StreamHandle, info: SendInfo): Promise<StreamHandle> {
    await this.pace.take(handle.ts, info.signal);
    if (handle.mode === 'update') return this.show(env, handle, info.actions);
    const text = streamText(env);
    const grows = text.length >= handle.held.chars && same(held(text.slice(0, handle.held.chars)), handle.held);
    if (!grows) return this.restart(env, handle, info.actions, 'the frame rewrites what the stream shows');
    if (!(await this.certain(handle)))
      return this.restart(env, handle, info.actions, 'an earlier append may have reached Slack without being recorded (a takeover)');
    try {
      const pieces = cut(text.slice(handle.held.chars));
      const last = env.done ? (pieces.pop() ?? '') : undefined;
      let state = handle.held;
      for (const piece of pieces) {
        const next = held(text.slice(0, state.chars + piece.length));
        await this.intend(handle, state, next, () => this.api.appendStream(handle.channel, handle.ts, piece));
        state = next;
      }
      if (last === undefined) return { ...handle, held: state };
      const blocks = info.actions.length ? [actionsBlock(info.actions)] : undefined;
      await this.intend(handle, state, held(text), () => this.api.stopStream(handle.channel, handle.ts, last, blocks));
      this.forget(handle);
      return { mode: 'update', channel: handle.channel, ts: handle.ts };
    } catch (err) {
      if ((err as DeliveryError).platformCode !== 'message_not_in_streaming_state') throw err;
      // Slack closed the stream (it does after some minutes): the snapshot goes in by editing.
      return this.restart(env, handle, info.actions, 'Slack closed the stream', false);
    }
  }

  /** Stops the stream (unless Slack closed it) and shows the whole snapshot with chat.update from now on. */
  private async restart(
    env: OutboundEnvelope,
    handle: StreamHandle & { mode: 'stream' },
    actions: ActionButton[],
    why: string,
    open = true,
  ) {
    this.log.info({ channel: handle.channel, ts: handle.ts, why }, 'Slack stream stopped; the message is edited from now on');
    if (open)
      await this.api.stopStream(handle.channel, handle.ts, '').catch((err: DeliveryError) => {
        if (err.platformCode !== 'message_not_in_streaming_state') throw err;
      });
    this.forget(handle);
    return this.show(env, { mode: 'update', channel: handle.channel, ts: handle.ts }, actions);
  }

  private async show(env: OutboundEnvelope, handle: StreamHandle & { mode: 'update' }, actions: ActionButton[]): Promise<StreamHandle> {
    await this.api.update(handle.channel, handle.ts, withButtons(renderOne(env, PLACEHOLDER), actions));
    return handle;
  }

  /** Whether the stream holds exactly what the handle says: no intent beyond it was written. */
  private async certain(handle: StreamHandle & { mode: 'stream' }): Promise<boolean> {
    const mine = this.intents.get(handle.ts);
    if (mine && same(mine, handle.held)) return true;
    const stored = await this.store.get(key(handle)).catch((err: Error) => {
      throw DeliveryError.retryable(`the stream's state could not be read from NATS: ${err.message}`);
    });
    return !stored || same(JSON.parse(stored) as Held, handle.held);
  }

  /** Writes the intent `next`, makes the call, and takes the intent back when Slack refused the call outright. */
  private async intend(handle: StreamHandle & { mode: 'stream' }, now: Held, next: Held, call: () => Promise<void>): Promise<void> {
    await this.record(handle, next);
    try {
      await call();
    } catch (err) {
      if (refusedOutright(err)) await this.record(handle, now).catch(() => undefined);
      throw err;
    }
  }

  private async record(handle: StreamHandle & { mode: 'stream' }, state: Held): Promise<void> {
    await this.store.put(key(handle), JSON.stringify(state)).catch((err: Error) => {
      throw DeliveryError.retryable(`the stream's state could not be written to NATS: ${err.message}`);
    });
    this.intents.set(handle.ts, state);
  }

  private forget(handle: StreamHandle): void {
    this.intents.delete(handle.ts);
    void this.store.delete(key(handle)).catch(() => undefined);
  }
}

const key = (h: { channel: string; ts: string }) => `stream.${h.channel}.${h.ts}`;

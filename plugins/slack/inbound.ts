import type { InboundDraft, Part } from '../../core/plugin';
import type { SlackEvent } from './connection';
import { mentionedUserIds, parseSlackText } from './text';

/** A `message` or `app_mention` event, in the fields the channel reads. */
export interface MessageEvent {
  type: 'message' | 'app_mention';
  subtype?: string;
  hidden?: boolean;
  channel?: string;
  channel_type?: string;
  user?: string;
  /** The sender's team (another workspace's in a shared channel). */
  team?: string;
  bot_id?: string;
  username?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  files?: SlackFile[];
}

export interface SlackFile {
  id?: string;
  name?: string;
  title?: string;
  mimetype?: string;
  mode?: string;
}

/**
 * Subtypes that are a person's message: plain (none), with files, a thread reply also sent to the
 * channel, `/me`. `bot_message` is a message too, from a bot (core skips it). Every other subtype is an
 * edit, a deletion, a join, a topic change...: not a new message.
 */
const MESSAGE_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast', 'me_message', 'bot_message']);

/** Whether an event is a new message the channel turns into an envelope, or why not. */
export function skipReason(event: SlackEvent): string | undefined {
  if (event.type !== 'message' && event.type !== 'app_mention') return `event type ${String(event.type)}`;
  const e = event as MessageEvent;
  if (!MESSAGE_SUBTYPES.has(e.subtype) || e.hidden) return `message subtype ${e.subtype ?? 'hidden'}`;
  if (!e.channel || !e.ts) return 'event without channel or ts';
  if (!e.user && !e.bot_id) return 'event without a sender';
  return undefined;
}

/** The user ids whose names a draft of this event shows: the sender and everyone mentioned. */
export function namesNeeded(event: MessageEvent): string[] {
  const ids = mentionedUserIds(event.text ?? '');
  if (event.user && !event.bot_id) ids.push(event.user);
  return [...new Set(ids)];
}

function filePart(f: SlackFile): Part | undefined {
  if (!f.id || f.mode === 'tombstone') return undefined;
  const mime = f.mimetype ?? '';
  const type = mime.startsWith('image/') ? 'image' : mime.startsWith('audio/') ? 'audio' : mime.startsWith('video/') ? 'video' : 'file';
  const name = f.name ?? f.title;
  return { type, ref: f.id, ...(name ? { name } : {}) };
}

/** A Slack message id as the contract carries it: `<channel>:<ts>`, unique across the workspace. */
export const messageIdOf = (channel: string, ts: string) => `${channel}:${ts}`;

/**
 * Turns a message (or `app_mention`) event into a draft. The message id is `<channel>:<ts>`, the same for
 * the `message` and the `app_mention` event of one message and for Slack's retries, so core stores it once.
 * In a thread, `conversation.thread` is the parent's ts and `replyTo` the parent's message id.
 */
export function toDraft(e: MessageEvent, botUserId: string, names: ReadonlyMap<string, string>): InboundDraft {
  const channel = e.channel!;
  const ts = e.ts!;
  const parts = parseSlackText(e.text ?? '', botUserId, names);
  for (const f of e.files ?? []) {
    const p = filePart(f);
    if (p) parts.push(p);
  }
  const direct = e.channel_type ? e.channel_type === 'im' : channel.startsWith('D');
  const inThread = !!e.thread_ts && e.thread_ts !== ts;
  const bot = !!e.bot_id || e.subtype === 'bot_message';
  const senderId = bot ? (e.user ?? e.bot_id!) : e.user!;
  const senderName = bot ? e.username : names.get(senderId);
  const draft: InboundDraft = {
    messageId: messageIdOf(channel, ts),
    time: new Date(Number(ts) * 1000),
    conversation: { id: channel, type: direct ? 'direct' : 'group', ...(inThread ? { thread: e.thread_ts! } : {}) },
    sender: { id: senderId, kind: bot ? 'bot' : 'user', ...(senderName && senderName !== senderId ? { name: senderName } : {}) },
    parts,
    mentioned: parts.some((p) => p.type === 'mention' && (p.self || p.id === 'all')),
    raw: e,
  };
  if (inThread) draft.replyTo = messageIdOf(channel, e.thread_ts!);
  return draft;
}

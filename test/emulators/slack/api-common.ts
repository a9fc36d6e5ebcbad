/**
 * What every Web API method handler shares: the error an `ok: false` answer is, the call's context,
 * argument readers, the conversation and message lookups with Slack's error strings, and Block Kit
 * checks.
 */
import type { AssistantStatus } from './types';
import type { App, Conversation, StoredMessage, Workspace } from './workspace';

export class ApiError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
  }
}

/** Slack's `invalid_arguments` answer for a missing or malformed argument. */
export function invalidArgument(message: string): ApiError {
  return new ApiError('invalid_arguments', { response_metadata: { messages: [`[ERROR] ${message}`] } });
}

/** Workspace settings and limits the handlers apply. */
export interface Limits {
  streamTimeoutMs: number;
  editWindowMs?: number;
  maxUploadBytes: number;
  uploadUrlTtlMs: number;
}

/** What the emulator does around a handler: records, echoes to subscribed apps, serves files. */
export interface Hooks {
  /** A single-use Socket Mode URL for the app. */
  issueTicket: (appId: string) => string;
  /** A message the bot posted: recorded, then echoed to subscribed apps. */
  onPosted: (app: App, m: StoredMessage, args: Record<string, unknown>, threadTs: string | undefined, via: PostedVia) => void;
  /** A message of the bot changed (chat.update, a stream's end): `message_changed` to subscribed apps. */
  onChanged: (app: App, m: StoredMessage, previousText: string) => void;
  /** A message the bot deleted: `message_deleted` to subscribed apps. */
  onDeleted: (app: App, m: StoredMessage) => void;
  /** The bot reacted: `reaction_added` / `reaction_removed` to subscribed apps. */
  onReaction: (app: App, m: StoredMessage, name: string, added: boolean) => void;
  onStatus: (s: AssistantStatus) => void;
  /** Where the bytes of an external upload go. */
  uploadUrl: (fileId: string) => string;
}

export type PostedVia = 'chat.postMessage' | 'chat.startStream' | 'files.completeUploadExternal';

export interface CallContext extends Hooks {
  ws: Workspace;
  app: App;
  args: Record<string, unknown>;
  limits: Limits;
}

export type Handler = (c: CallContext) => Record<string, unknown>;

/** A method: the token type it takes, the scope(s) it needs (any one of them), what it does. */
export interface MethodSpec {
  token: 'bot' | 'app';
  scopes: (c: CallContext) => string[];
  handler: Handler;
}

export const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;

/** A boolean argument as the Web API takes it (`true`, `"true"`, `"1"`). */
export const flag = (v: unknown, dflt: boolean): boolean => (v === undefined ? dflt : v === true || v === 'true' || v === '1' || v === 1);

/** A JSON argument, sent as a JSON string (form-encoded) or as a value (JSON body). */
export function jsonArg(v: unknown, error: string): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    throw new ApiError(error);
  }
}

/** The conversation a bot may post to or read: members only, except that public channels are visible. */
export function accessible(c: CallContext, id: string | undefined): Conversation {
  if (!id) throw new ApiError('channel_not_found');
  let conv = c.ws.conversations.get(id);
  if (!conv && /^[UW]/.test(id) && c.ws.users.has(id)) conv = c.ws.im(c.app.botUserId, id);
  if (!conv) conv = [...c.ws.conversations.values()].find((x) => x.name === id.replace(/^#/, '') && x.kind !== 'im');
  if (!conv) throw new ApiError('channel_not_found');
  if (!conv.members.has(c.app.botUserId)) throw new ApiError(conv.kind === 'public' ? 'not_in_channel' : 'channel_not_found');
  return conv;
}

/**
 * A message of the conversation that this app posted, for chat.update / chat.delete / the stream
 * methods: `message_not_found` when there is none, `notOwn` (Slack's `cant_update_message`,
 * `cant_delete_message`) when someone else posted it.
 */
export function ownMessage(c: CallContext, notOwn: string): { conv: Conversation; m: StoredMessage } {
  const conv = accessible(c, str(c.args.channel));
  const ts = str(c.args.ts);
  if (!ts) throw invalidArgument('missing required field: ts');
  const m = c.ws.message(conv.id, ts);
  if (!m) throw new ApiError('message_not_found');
  if (m.appId !== c.app.appId) throw new ApiError(notOwn);
  return { conv, m };
}

/** The thread a post names: its `thread_ts` as given, and the root it replies under. */
export interface Thread {
  ts?: string;
  root?: string;
}

/** The call's `thread_ts` (`invalid_thread_ts` when it is not a message here); none when it names none. */
export function threadOf(c: CallContext, conv: Conversation): Thread {
  const ts = str(c.args.thread_ts);
  if (!ts) return {};
  const parent = c.ws.message(conv.id, ts);
  if (!parent) throw new ApiError('invalid_thread_ts');
  return { ts, root: parent.threadTs ?? parent.ts };
}

/** What a post of the bot carries, besides who posts it, where and in which thread. */
export type BotPost = Pick<StoredMessage, 'text'> & Partial<Pick<StoredMessage, 'blocks' | 'files' | 'subtype' | 'stream'>>;

/** Stores a post of the app's bot in `conv` (a reply when `thread` has a root) and reports it (`onPosted`). */
export function postAsBot(c: CallContext, conv: Conversation, thread: Thread, via: PostedVia, post: BotPost): StoredMessage {
  const m = c.ws.store({
    channel: conv.id,
    user: c.app.botUserId,
    botId: c.app.botId,
    appId: c.app.appId,
    ...post,
    ...(thread.root ? { threadTs: thread.root } : {}),
  });
  c.onPosted(c.app, m, c.args, thread.ts, via);
  return m;
}

const BLOCK_TYPES = new Set([
  'section',
  'divider',
  'image',
  'actions',
  'context',
  'input',
  'header',
  'rich_text',
  'video',
  'file',
  'markdown',
  'table',
]);
const BUTTON_STYLES = new Set(['primary', 'danger']);

function buttonProblems(el: Record<string, unknown>, at: string, actionIds: Set<string>): string[] {
  const problems: string[] = [];
  const text = el.text as { type?: unknown; text?: unknown } | undefined;
  if (text?.type !== 'plain_text' || typeof text.text !== 'string' || text.text === '')
    problems.push(`must provide a plain_text object [json-pointer:${at}/text]`);
  else if (text.text.length > 75) problems.push(`must be less than 76 characters [json-pointer:${at}/text/text]`);
  if (typeof el.action_id === 'string') {
    if (el.action_id.length > 255) problems.push(`must be less than 256 characters [json-pointer:${at}/action_id]`);
    if (actionIds.has(el.action_id)) problems.push(`action_id must be unique in the message [json-pointer:${at}/action_id]`);
    actionIds.add(el.action_id);
  }
  if (typeof el.value === 'string' && el.value.length > 2000) problems.push(`must be less than 2001 characters [json-pointer:${at}/value]`);
  if (el.style !== undefined && !BUTTON_STYLES.has(String(el.style)))
    problems.push(`must be one of primary, danger [json-pointer:${at}/style]`);
  return problems;
}

/**
 * Block Kit as Slack checks it here: known block types, at most 50 blocks, section text up to 3,000
 * characters, actions blocks with 1-25 elements whose buttons have a plain_text label up to 75
 * characters, unique `action_id`s up to 255 and `value`s up to 2,000. `invalid_blocks` lists each
 * problem with its JSON pointer, as Slack does.
 */
export function parseBlocks(raw: unknown): unknown[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  const blocks = jsonArg(raw, 'invalid_blocks_format');
  if (!Array.isArray(blocks)) throw new ApiError('invalid_blocks_format');
  const problems: string[] = [];
  const actionIds = new Set<string>();
  if (blocks.length > 50) problems.push('must contain at most 50 blocks');
  blocks.forEach((b, i) => {
    const block = b as { type?: unknown; text?: { text?: unknown }; elements?: unknown };
    if (typeof block !== 'object' || block === null || typeof block.type !== 'string' || !BLOCK_TYPES.has(block.type))
      problems.push(`invalid block type [json-pointer:/blocks/${i}/type]`);
    else if (block.type === 'section' && typeof block.text?.text === 'string' && block.text.text.length > 3000)
      problems.push(`must be less than 3001 characters [json-pointer:/blocks/${i}/text/text]`);
    else if (block.type === 'actions') {
      const els = block.elements;
      if (!Array.isArray(els) || els.length === 0 || els.length > 25)
        problems.push(`must provide 1 to 25 elements [json-pointer:/blocks/${i}/elements]`);
      else
        els.forEach((el: Record<string, unknown>, j) => {
          if (el?.type === 'button') problems.push(...buttonProblems(el, `/blocks/${i}/elements/${j}`, actionIds));
        });
    }
  });
  if (problems.length)
    throw new ApiError('invalid_blocks', { errors: problems, response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } });
  return blocks;
}

/** What the Web API shows of a message the bot posted. */
export function botMessage(c: CallContext, m: StoredMessage): Record<string, unknown> {
  const bot = c.ws.users.get(c.app.botUserId)!;
  return {
    user: bot.id,
    type: 'message',
    ts: m.ts,
    bot_id: c.app.botId,
    app_id: c.app.appId,
    text: m.text,
    team: c.ws.teamId,
    bot_profile: { id: c.app.botId, app_id: c.app.appId, name: bot.realName, deleted: false, team_id: c.ws.teamId },
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.editedTs ? { edited: { user: bot.id, ts: m.editedTs } } : {}),
    ...(m.threadTs ? { thread_ts: m.threadTs, parent_user_id: c.ws.message(m.channel, m.threadTs)?.user ?? '' } : {}),
  };
}

/** Whether a stream is still open: Slack closes one by itself `streamTimeoutMs` after it started. */
export function isStreaming(m: StoredMessage): boolean {
  if (m.stream?.state !== 'streaming') return false;
  if (Date.now() < m.stream.closesAt) return true;
  m.stream.state = 'stopped';
  return false;
}

/** A frame of the smart bot's long connection: `{ cmd, headers: { req_id }, body }`, answers `{ headers, errcode, errmsg, body? }`. */
export interface Frame {
  cmd?: string;
  headers: { req_id: string; [key: string]: unknown };
  body?: Record<string, unknown>;
  errcode?: number;
  errmsg?: string;
}

/** WeCom's error codes the emulator answers with (see README: which are documented, which are assumed). */
export const ERR = {
  ok: [0, 'ok'],
  badSecret: [853000, 'invalid bot_id or secret'],
  invalidReqId: [846605, 'invalid req_id'],
  streamExpired: [846608, 'stream message update expired'],
  tooLong: [45002, 'content size out of limit'],
  rateLimited: [45009, 'api freq out of limit'],
  invalidParam: [40058, 'invalid parameter'],
  invalidChat: [93006, 'invalid chatid'],
  invalidMedia: [40007, 'invalid media_id'],
  invalidSize: [40006, 'invalid file size'],
  invalidType: [40004, 'invalid media type'],
  notSubscribed: [846609, 'not subscribed'],
  busy: [-1, 'system busy'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrName = keyof typeof ERR;

/** Timings and limits; every one can be changed with `configure()`, also once started. */
export interface EmulatorOptions {
  /** A callback with no reply frame within this is pushed again (WeCom: 5 s). */
  replyWindowMs?: number;
  /** How often a callback is pushed in all before WeCom gives up on it (default 3). */
  pushes?: number;
  /** A reply stream takes frames for this long after its first frame, then answers 846608 (WeCom: 6 minutes). */
  streamLimitMs?: number;
  /** Welcome replies and card updates are taken this long after their event (WeCom: 5 s). */
  eventReplyWindowMs?: number;
  /** A connection that sends nothing (no ping) for this long is closed (default 3 heartbeat intervals of 30 s). */
  idleTimeoutMs?: number;
  /** Inbound media download URLs work for this long (WeCom: 5 minutes). */
  mediaUrlTtlMs?: number;
  /** Frames per second a bot may send before 45009 (default 50). */
  maxFramesPerSecond?: number;
}

export const DEFAULTS: Required<EmulatorOptions> = {
  replyWindowMs: 5000,
  pushes: 3,
  streamLimitMs: 6 * 60_000,
  eventReplyWindowMs: 5000,
  idleTimeoutMs: 90_000,
  mediaUrlTtlMs: 5 * 60_000,
  maxFramesPerSecond: 50,
};

/** Temporary media limits of WeCom (bytes) by upload type. */
export const MEDIA_LIMITS: Record<string, number> = {
  image: 10 * 1024 * 1024,
  voice: 2 * 1024 * 1024,
  video: 10 * 1024 * 1024,
  file: 20 * 1024 * 1024,
};
/** A stream frame's content and a markdown message's content: at most 20,480 bytes of UTF-8. */
export const CONTENT_LIMIT = 20_480;
export const CHUNK_LIMIT = 512 * 1024;
export const MAX_CHUNKS = 100;
export const MAX_BUTTONS = 6;

export interface BotInfo {
  botId: string;
  secret: string;
  name: string;
}

/** A button of a card as the bot sent it. */
export interface CardButton {
  text: string;
  key: string;
  style?: number;
}

/** A template card as the bot sent or updated it. */
export interface Card {
  taskId: string;
  type: string;
  title?: string;
  text?: string;
  buttons: CardButton[];
  raw: Record<string, unknown>;
}

/** What the bot showed in a chat: a reply stream, or a message it sent by itself. */
export interface Shown {
  botId: string;
  /** `single` chats are the user id; groups their chatid. */
  chat: string;
  kind: 'stream' | 'markdown' | 'template_card' | 'image' | 'file' | 'voice' | 'video';
  /** The stream id, or the req_id of the `aibot_send_msg` that sent it. */
  id: string;
  /** The text shown now (a stream's latest content). */
  content: string;
  /** The msgid of the user's message a stream answers. */
  answers?: string;
  finished?: boolean;
  /** Frames the stream took. */
  frames?: number;
  /** First frame of a stream (ms since epoch). */
  openedAt?: number;
  card?: Card;
  media?: { mediaId: string; bytes: Buffer; filename: string };
  /** Images attached to a stream's final frame (`msg_item`). */
  images?: Buffer[];
}

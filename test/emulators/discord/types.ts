/** Discord API object shapes the emulator keeps and sends (API v10, the fields the SDK reads). */

/** Discord's epoch (2015-01-01), the base of snowflake timestamps. */
const DISCORD_EPOCH = 1_420_070_400_000n;
let counter = 0n;

/** A new snowflake: milliseconds since Discord's epoch, shifted left 22 bits, with a counter below: unique and increasing. */
export function snowflake(now = Date.now()): string {
  counter = (counter + 1n) & 0xfffn;
  return (((BigInt(now) - DISCORD_EPOCH) << 22n) | counter).toString();
}

/** Gateway intents (bits of `identify.intents`). */
export const Intents = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildMessages: 1 << 9,
  GuildMessageReactions: 1 << 10,
  DirectMessages: 1 << 12,
  DirectMessageReactions: 1 << 13,
  MessageContent: 1 << 15,
} as const;

/** Gateway opcodes. */
export const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  Resume: 6,
  Reconnect: 7,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

export interface ApiUser {
  id: string;
  username: string;
  global_name: string | null;
  discriminator: string;
  avatar: null;
  bot?: boolean;
}

export interface ApiAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
}

export interface ApiButton {
  type: 2;
  style: number;
  label: string;
  custom_id: string;
}

export interface ApiActionRow {
  type: 1;
  components: ApiButton[];
}

export interface ApiReaction {
  emoji: { id: null; name: string };
  count: number;
  me: boolean;
  /** Who reacted (the emulator's own record; not sent). */
  users: string[];
}

export interface ApiMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: ApiUser;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  tts: false;
  mention_everyone: boolean;
  mentions: ApiUser[];
  mention_roles: string[];
  attachments: ApiAttachment[];
  embeds: unknown[];
  components: ApiActionRow[];
  reactions?: Array<Omit<ApiReaction, 'users'>>;
  nonce?: string | number;
  pinned: false;
  type: 0 | 19;
  flags: number;
  message_reference?: { type: 0; message_id: string; channel_id: string; guild_id?: string };
  application_id?: string;
}

/** A channel: a guild text channel (type 0) or a DM (type 1) between the bot and one person. */
export interface ChannelRecord {
  id: string;
  type: 0 | 1;
  name?: string;
  guildId?: string;
  /** DMs: the person and the app whose bot it is with. */
  recipient?: string;
  appId?: string;
}

export interface GuildRecord {
  id: string;
  name: string;
  ownerId: string;
  channels: string[];
  members: Set<string>;
  /** Apps whose bot is in the guild. */
  apps: Set<string>;
}

export interface AppRecord {
  id: string;
  name: string;
  token: string;
  botUserId: string;
  /** The privileged Message Content intent is switched on in the developer portal. */
  messageContent: boolean;
  /** The privileged Server Members intent is switched on. */
  serverMembers: boolean;
}

/** A message as the emulator keeps it: the API object and who created it. */
export interface MessageRecord {
  message: ApiMessage;
  /** The app that posted it (the bot's messages), or undefined (a person's). */
  appId?: string;
  deleted: boolean;
  edits: number;
  /** The bytes of each attachment, by attachment id. */
  files: Map<string, Buffer>;
  reactions: ApiReaction[];
}

/** A 429 body, as Discord sends it. */
export interface RateLimitBody {
  message: string;
  retry_after: number;
  global: boolean;
  code?: number;
}

/** The emulator's state: apps (bots), people, guilds with their channels, DMs, messages, and their API shapes. */
import { createHmac } from 'node:crypto';
import {
  snowflake,
  type ApiActionRow,
  type ApiAttachment,
  type ApiMessage,
  type ApiUser,
  type AppRecord,
  type ChannelRecord,
  type GuildRecord,
  type MessageRecord,
} from './types';

/** An interaction waiting for its callback. */
export interface PendingInteraction {
  id: string;
  token: string;
  appId: string;
  type: 2 | 3;
  channelId: string;
  messageId?: string;
  createdAt: number;
  /** The callback type it got, once answered; and a deferred reply's message, once sent. */
  answered?: number;
  original?: string;
  resolve(outcome: { acked: boolean; type?: number; code?: number }): void;
}

/** What a new message is made of; `World.createMessage` gives it the rest. */
export interface NewMessage {
  channel: ChannelRecord;
  /** The user id of who writes it (a person, or the app's bot). */
  author: string;
  content: string;
  mentions?: ApiUser[];
  attachments?: ApiAttachment[];
  components?: ApiActionRow[];
  /** The message it replies to. */
  replyTo?: string;
  nonce?: string | number;
  flags?: number;
  /** The app whose bot posts it; absent for a person's message. */
  appId?: string;
  /** The bytes of each attachment, by attachment id. */
  files?: Map<string, Buffer>;
}

export class World {
  readonly apps = new Map<string, AppRecord>();
  readonly users = new Map<string, ApiUser>();
  readonly guilds = new Map<string, GuildRecord>();
  readonly channels = new Map<string, ChannelRecord>();
  readonly messages = new Map<string, MessageRecord>();
  readonly interactions = new Map<string, PendingInteraction>();
  /** Each app's registered global slash commands. */
  readonly commands = new Map<string, Array<{ id: string; name: string }>>();
  /** enforce_nonce memory: `<app> <channel> <nonce>` → message id and when. */
  readonly nonces = new Map<string, { messageId: string; at: number }>();
  private readonly cdnKey = snowflake();

  constructor(public baseUrl = '') {}

  appByToken(token: string): AppRecord | undefined {
    return [...this.apps.values()].find((a) => a.token === token);
  }

  user(id: string): ApiUser {
    const u = this.users.get(id);
    if (!u) throw new Error(`emulator: no user ${id}`);
    return u;
  }

  /** Whether the app's bot can see and write in the channel. */
  canAccess(app: AppRecord, channel: ChannelRecord): boolean {
    if (channel.type === 1) return channel.appId === app.id;
    return !!channel.guildId && this.guilds.get(channel.guildId)?.apps.has(app.id) === true;
  }

  /** The DM channel between an app's bot and a person, created when missing. */
  dm(appId: string, userId: string): ChannelRecord {
    const found = [...this.channels.values()].find((c) => c.type === 1 && c.appId === appId && c.recipient === userId);
    if (found) return found;
    const c: ChannelRecord = { id: snowflake(), type: 1, recipient: userId, appId };
    this.channels.set(c.id, c);
    return c;
  }

  channelObject(c: ChannelRecord): Record<string, unknown> {
    if (c.type === 1) return { id: c.id, type: 1, last_message_id: null, flags: 0, recipients: [this.user(c.recipient!)] };
    return {
      id: c.id,
      type: 0,
      guild_id: c.guildId,
      name: c.name,
      position: 0,
      permission_overwrites: [],
      nsfw: false,
      parent_id: null,
      topic: null,
    };
  }

  guildCreate(g: GuildRecord, app: AppRecord): Record<string, unknown> {
    const member = (id: string) => ({
      user: this.user(id),
      roles: [],
      joined_at: new Date().toISOString(),
      deaf: false,
      mute: false,
      flags: 0,
    });
    const visible = [...g.members].filter((id) => id === app.botUserId || app.serverMembers);
    return {
      id: g.id,
      name: g.name,
      icon: null,
      owner_id: g.ownerId,
      roles: [
        {
          id: g.id,
          name: '@everyone',
          permissions: '1071698660929',
          position: 0,
          color: 0,
          hoist: false,
          managed: false,
          mentionable: false,
          flags: 0,
        },
      ],
      emojis: [],
      stickers: [],
      features: [],
      channels: g.channels.map((id) => this.channelObject(this.channels.get(id)!)),
      threads: [],
      members: visible.map(member),
      member_count: g.members.size,
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      large: false,
      unavailable: false,
      joined_at: new Date().toISOString(),
      preferred_locale: 'en-US',
      premium_tier: 0,
      nsfw_level: 0,
      verification_level: 0,
      mfa_level: 0,
      system_channel_id: null,
    };
  }

  /** A member object for a person in a guild (MESSAGE_CREATE and INTERACTION_CREATE carry one). */
  member(userId: string, withUser = false): Record<string, unknown> {
    return {
      ...(withUser ? { user: this.user(userId) } : {}),
      roles: [],
      joined_at: new Date().toISOString(),
      deaf: false,
      mute: false,
      flags: 0,
      permissions: '1071698660929',
    };
  }

  /** Stores a message given as its API object (the fields every new message starts with filled in) and returns its record. */
  addMessage(
    m: Omit<ApiMessage, 'id' | 'timestamp' | 'edited_timestamp' | 'tts' | 'pinned' | 'embeds' | 'mention_roles' | 'flags'> & {
      flags?: number;
    },
    appId?: string,
    files = new Map<string, Buffer>(),
  ): MessageRecord {
    const message: ApiMessage = {
      id: snowflake(),
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      pinned: false,
      embeds: [],
      mention_roles: [],
      flags: 0,
      ...m,
    };
    const record: MessageRecord = { message, ...(appId ? { appId } : {}), deleted: false, edits: 0, files, reactions: [] };
    this.messages.set(message.id, record);
    return record;
  }

  /**
   * Stores a new message from what it is made of: a reply (type 19, with its `message_reference`) when
   * it answers `replyTo`, the app's own (`application_id`) when `appId` posts it.
   */
  createMessage(m: NewMessage): MessageRecord {
    const ch = m.channel;
    const guild = ch.guildId ? { guild_id: ch.guildId } : {};
    return this.addMessage(
      {
        channel_id: ch.id,
        ...guild,
        author: this.user(m.author),
        content: m.content,
        mention_everyone: false,
        mentions: m.mentions ?? [],
        attachments: m.attachments ?? [],
        components: m.components ?? [],
        ...(m.nonce !== undefined ? { nonce: m.nonce } : {}),
        type: m.replyTo ? 19 : 0,
        ...(m.flags !== undefined ? { flags: m.flags } : {}),
        ...(m.replyTo ? { message_reference: { type: 0, message_id: m.replyTo, channel_id: ch.id, ...guild } } : {}),
        ...(m.appId ? { application_id: m.appId } : {}),
      },
      m.appId,
      m.files,
    );
  }

  /** An attachment object with a signed CDN URL (`ex`/`is`/`hm`, as Discord's CDN links carry). */
  attachment(channelId: string, filename: string, size: number, contentType?: string): ApiAttachment {
    const id = snowflake();
    const ex = Math.floor(Date.now() / 1000 + 86_400).toString(16);
    const path = `/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`;
    const url = `${this.baseUrl}${path}?ex=${ex}&is=${ex}&hm=${this.sign(path, ex)}&`;
    return {
      id,
      filename,
      size,
      url,
      proxy_url: url.replace('/attachments/', '/media-proxy/attachments/'),
      ...(contentType ? { content_type: contentType } : {}),
    };
  }

  sign(path: string, ex: string): string {
    return createHmac('sha256', this.cdnKey).update(`${path} ${ex}`).digest('hex');
  }

  /** The message as the API shows it now (reactions counted from the records). */
  view(r: MessageRecord, appId?: string): ApiMessage {
    const app = appId ? this.apps.get(appId) : undefined;
    const reactions = r.reactions.map((x) => ({ emoji: x.emoji, count: x.users.length, me: !!app && x.users.includes(app.botUserId) }));
    return { ...r.message, ...(reactions.length ? { reactions } : {}) };
  }
}

/**
 * The workspace: team, users, conversations, apps with their tokens, stored messages and files. Ids look like
 * Slack's (`T`/`U`/`C`/`G`/`D`/`A`/`B` + uppercase alphanumerics); message ts are `seconds.micro`, unique
 * and increasing.
 */
import { randomBytes } from 'node:crypto';
import type { AppInfo, AppOptions, ChannelOptions, UserOptions } from './types';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function slackId(prefix: string, n = 10): string {
  const bytes = randomBytes(n);
  return prefix + [...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** What the gateway's setup page asks for, plus im:write (conversations.open). */
export const DEFAULT_BOT_SCOPES = [
  'app_mentions:read',
  'channels:history',
  'chat:write',
  'commands',
  'files:read',
  'files:write',
  'groups:history',
  'im:history',
  'im:write',
  'mpim:history',
  'reactions:read',
  'reactions:write',
  'users:read',
];

export interface User {
  id: string;
  name: string;
  realName: string;
  displayName: string;
  isBot: boolean;
  botId?: string;
  appId?: string;
}

export interface Conversation {
  id: string;
  name: string;
  kind: 'public' | 'private' | 'im' | 'mpim';
  members: Set<string>;
  archived: boolean;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  user: string;
  text: string;
  botId?: string;
  appId?: string;
  blocks?: unknown[];
  /** Ids of the files shared with the message (see `Workspace.files`). */
  files?: string[];
  /** The parent's ts, for replies. */
  threadTs?: string;
  replies: string[];
  subtype?: string;
  /** A message opened with chat.startStream: its state, and when Slack closes it by itself. */
  stream?: { state: 'streaming' | 'stopped'; closesAt: number; recipient?: string };
  /** When it was posted (ms), for the edit window. */
  postedAt: number;
  /** ts of the last edit. */
  editedTs?: string;
  /** Reactions: emoji name → user ids, in the order added. */
  reactions: Map<string, string[]>;
}

/** A file in the workspace: uploaded by a person with a message, or by an app through the external upload flow. */
export interface StoredFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  user: string;
  created: number;
  /** The bytes, once uploaded. */
  bytes?: Buffer;
  /** An external upload: the length promised to files.getUploadURLExternal, and the bytes received. */
  upload?: { length: number; appId: string; expires: number; received?: Buffer };
  /** Where it is shared: conversation → message ts list. */
  shares: Map<string, Array<{ ts: string; threadTs?: string }>>;
}

export interface App extends AppInfo {
  /** Agents & AI Apps is on: assistant.threads.* work in the app's DMs. */
  assistant: boolean;
  scopes: Set<string>;
  appScopes: Set<string>;
  verificationToken: string;
}

export class Workspace {
  readonly teamId = slackId('T', 8);
  readonly teamName = 'Acme';
  readonly domain = 'acme';
  readonly users = new Map<string, User>();
  readonly conversations = new Map<string, Conversation>();
  readonly apps = new Map<string, App>();
  readonly messages = new Map<string, StoredMessage>();
  readonly files = new Map<string, StoredFile>();
  private readonly tokens = new Map<string, { appId: string; kind: 'bot' | 'app' }>();
  readonly revoked = new Set<string>();
  /** Where files are served (`http://127.0.0.1:<port>`), set when the emulator starts. */
  fileBase = 'https://files.slack.com';
  private lastTs = 0;

  addUser(o: UserOptions): User {
    const u: User = {
      id: o.id ?? slackId('U'),
      name: o.name,
      realName: o.realName ?? o.name,
      displayName: o.displayName ?? '',
      isBot: false,
    };
    this.users.set(u.id, u);
    return u;
  }

  addApp(o: AppOptions = {}): App {
    const appId = slackId('A');
    const botId = slackId('B');
    const name = o.name ?? 'Data Bot';
    const bot: User = {
      id: slackId('U'),
      name: name.toLowerCase().replace(/[^a-z0-9]+/g, ''),
      realName: name,
      displayName: '',
      isBot: true,
      botId,
      appId,
    };
    this.users.set(bot.id, bot);
    const app: App = {
      appId,
      botId,
      name,
      teamId: this.teamId,
      botUserId: bot.id,
      appToken: `xapp-1-${appId}-${Date.now()}-${randomBytes(32).toString('hex')}`,
      botToken: `xoxb-${randomBytes(6).readUIntBE(0, 6)}-${randomBytes(6).readUIntBE(0, 6)}-${randomBytes(12).toString('base64url')}`,
      assistant: o.assistant ?? false,
      scopes: new Set(o.scopes ?? [...DEFAULT_BOT_SCOPES, ...(o.assistant ? ['assistant:write'] : [])]),
      appScopes: new Set(['connections:write']),
      verificationToken: randomBytes(12).toString('base64url'),
    };
    this.apps.set(appId, app);
    this.tokens.set(app.appToken, { appId, kind: 'app' });
    this.tokens.set(app.botToken, { appId, kind: 'bot' });
    return app;
  }

  tokenInfo(token: string): { app: App; kind: 'bot' | 'app' } | undefined {
    const t = this.tokens.get(token);
    return t ? { app: this.apps.get(t.appId)!, kind: t.kind } : undefined;
  }

  requireApp(appId: string): App {
    const app = this.apps.get(appId);
    if (!app) throw new Error(`SlackEmulator: unknown app ${appId}`);
    return app;
  }

  addChannel(o: ChannelOptions): Conversation {
    const kind = o.kind ?? 'public';
    const prefix = { public: 'C', private: 'G', mpim: 'G', im: 'D' }[kind];
    const c: Conversation = { id: o.id ?? slackId(prefix), name: o.name ?? '', kind, members: new Set(o.members ?? []), archived: false };
    this.conversations.set(c.id, c);
    return c;
  }

  /** The direct-message conversation of two users (created on first use). */
  im(a: string, b: string): Conversation {
    for (const c of this.conversations.values()) if (c.kind === 'im' && c.members.has(a) && c.members.has(b)) return c;
    const c: Conversation = { id: slackId('D'), name: '', kind: 'im', members: new Set([a, b]), archived: false };
    this.conversations.set(c.id, c);
    return c;
  }

  findIm(a: string, b: string): Conversation | undefined {
    for (const c of this.conversations.values()) if (c.kind === 'im' && c.members.has(a) && c.members.has(b)) return c;
    return undefined;
  }

  mpim(members: string[]): Conversation {
    const c: Conversation = {
      id: slackId('G'),
      name: `mpdm-${members.join('--')}-1`,
      kind: 'mpim',
      members: new Set(members),
      archived: false,
    };
    this.conversations.set(c.id, c);
    return c;
  }

  nextTs(): string {
    this.lastTs = Math.max(Date.now() * 1000, this.lastTs + 1);
    return `${Math.floor(this.lastTs / 1e6)}.${String(this.lastTs % 1e6).padStart(6, '0')}`;
  }

  /** Stores a new message: a reply joins its thread, and the files it carries are shared in its conversation. */
  store(m: Omit<StoredMessage, 'ts' | 'replies' | 'postedAt' | 'reactions'>): StoredMessage {
    const msg: StoredMessage = { ...m, ts: this.nextTs(), replies: [], postedAt: Date.now(), reactions: new Map() };
    this.messages.set(`${m.channel}/${msg.ts}`, msg);
    if (m.threadTs) this.message(m.channel, m.threadTs)?.replies.push(msg.ts);
    for (const id of m.files ?? []) {
      const f = this.files.get(id)!;
      f.shares.set(m.channel, [...(f.shares.get(m.channel) ?? []), { ts: msg.ts, ...(m.threadTs ? { threadTs: m.threadTs } : {}) }]);
    }
    return msg;
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.messages.get(`${channel}/${ts}`);
  }
}

/** `url_private` of a file, as Slack builds it: `/files-pri/<team>-<file>/<name>`. */
export function fileUrl(ws: Workspace, f: StoredFile, download = false): string {
  return `${ws.fileBase}/files-pri/${ws.teamId}-${f.id}/${download ? 'download/' : ''}${encodeURIComponent(f.name)}`;
}

/**
 * Discord's gateway, JSON encoding, API v10: Hello, Identify (token and intents checked), READY and the
 * guilds' GUILD_CREATE, heartbeats and their ACKs, dispatches numbered by `s`, RESUME replaying what a
 * dropped connection missed, op 9 for a session that cannot be resumed, and the close codes Discord uses.
 */
import type { IncomingMessage } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import { Intents, Op, snowflake, type AppRecord } from './types';

/** Privileged intents and the switch in the developer portal that allows each. */
const PRIVILEGED: Array<[number, keyof Pick<AppRecord, 'messageContent' | 'serverMembers'>]> = [
  [Intents.MessageContent, 'messageContent'],
  [Intents.GuildMembers, 'serverMembers'],
];
/** Every intent bit Discord defines (up to DirectMessagePolls, 1 << 25). */
const ALL_INTENTS = (1 << 26) - 1;

/** One dispatch as it went out on a session (kept for RESUME). */
interface Dispatched {
  s: number;
  t: string;
  d: unknown;
}

/** A gateway session: survives its socket, so a RESUME can continue it. */
interface Session {
  id: string;
  appId: string;
  intents: number;
  seq: number;
  log: Dispatched[];
  socket?: WebSocket;
  invalid: boolean;
}

/** What a dispatch needs from the receiving session: an intent, and how the payload looks without Message Content. */
export interface DispatchRule {
  intent?: number;
  /** The payload for a session without the Message Content intent (content, attachments... emptied), when it differs. */
  withoutContent?: unknown;
}

/** What the gateway asks the world for. */
export interface GatewayWorld {
  appByToken(token: string): AppRecord | undefined;
  /** READY's `user`, `guilds` and `application`; then the GUILD_CREATE payloads of the app's guilds. */
  ready(app: AppRecord): { user: unknown; guilds: Array<{ id: string }>; application: unknown; guildCreates: unknown[] };
  protocolError(error: Error): void;
}

export interface GatewayOptions {
  heartbeatIntervalMs: number;
}

export class Gateway {
  private readonly sessions = new Map<string, Session>();
  /** Identifies and resumes, in order: `{ appId, op: 'identify' | 'resume', ok, code? }`. */
  readonly connects: Array<{ appId?: string; op: 'identify' | 'resume'; ok: boolean; code?: number; replayed?: number }> = [];

  constructor(
    private readonly world: GatewayWorld,
    readonly options: GatewayOptions,
    private readonly resumeUrl: () => string,
  ) {}

  /** A new WebSocket on `/` (the URL of GET /gateway/bot) or `/resume` (resume_gateway_url). */
  accept(socket: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? '/', 'ws://x');
    if (url.searchParams.get('v') !== '10') return socket.close(4012, 'Invalid API version.');
    if (url.searchParams.get('encoding') !== 'json') return socket.close(4002, 'Error while decoding payload.');
    const state: { session?: Session; lastBeat: number } = { lastBeat: Date.now() };
    const interval = this.options.heartbeatIntervalMs;
    const watchdog = setInterval(() => {
      // Discord closes a connection whose heartbeats stopped (the interval plus some slack).
      if (Date.now() - state.lastBeat > interval * 2) socket.close(4009, 'Session timed out.');
    }, interval);
    socket.on('close', () => {
      clearInterval(watchdog);
      if (state.session?.socket === socket) state.session.socket = undefined;
    });
    socket.on('message', (data: RawData) => this.onFrame(socket, state, data));
    socket.send(JSON.stringify({ op: Op.Hello, d: { heartbeat_interval: interval }, s: null, t: null }));
  }

  /** Sends an event to every live session of the app that has the rule's intent (kept for resume when its socket is down). */
  dispatch(appId: string, t: string, d: unknown, rule: DispatchRule = {}): number {
    let sent = 0;
    for (const s of this.sessions.values()) {
      if (s.appId !== appId || s.invalid) continue;
      if (rule.intent !== undefined && !(s.intents & rule.intent)) continue;
      const payload = rule.withoutContent !== undefined && !(s.intents & Intents.MessageContent) ? rule.withoutContent : d;
      this.push(s, t, payload);
      sent++;
    }
    return sent;
  }

  /** Sockets of the app that finished READY (or RESUMED) and are open. */
  connected(appId: string): number {
    return [...this.sessions.values()].filter((s) => s.appId === appId && !s.invalid && s.socket?.readyState === WebSocket.OPEN).length;
  }

  /** Destroys the app's sockets without a close frame (a network drop); the sessions stay resumable. */
  drop(appId: string): void {
    for (const s of this.sessions.values()) if (s.appId === appId) s.socket?.terminate();
  }

  /** The app's sessions can no longer be resumed (Discord's op 9 `false` on the next RESUME). */
  invalidate(appId: string): void {
    for (const s of this.sessions.values()) if (s.appId === appId) s.invalid = true;
  }

  /** Asks the app's connections to reconnect (op 7), as Discord does before it moves a session. */
  reconnect(appId: string): void {
    for (const s of this.sessions.values())
      if (s.appId === appId) s.socket?.send(JSON.stringify({ op: Op.Reconnect, d: null, s: null, t: null }));
  }

  close(): void {
    for (const s of this.sessions.values()) s.socket?.terminate();
    this.sessions.clear();
  }

  private push(s: Session, t: string, d: unknown): void {
    const entry = { s: ++s.seq, t, d };
    s.log.push(entry);
    if (s.socket?.readyState === WebSocket.OPEN) s.socket.send(JSON.stringify({ op: Op.Dispatch, ...entry }));
  }

  private onFrame(socket: WebSocket, state: { session?: Session; lastBeat: number }, data: RawData): void {
    let frame: { op?: unknown; d?: unknown };
    try {
      frame = JSON.parse(data.toString()) as { op?: unknown; d?: unknown };
    } catch {
      return socket.close(4002, 'Error while decoding payload.');
    }
    switch (frame.op) {
      case Op.Heartbeat:
        state.lastBeat = Date.now();
        return socket.send(JSON.stringify({ op: Op.HeartbeatAck, d: null, s: null, t: null }));
      case Op.Identify:
        if (state.session) return socket.close(4005, 'Already authenticated.');
        state.session = this.identify(socket, frame.d as Record<string, unknown>);
        return;
      case Op.Resume:
        if (state.session) return socket.close(4005, 'Already authenticated.');
        state.session = this.resume(socket, frame.d as Record<string, unknown>);
        return;
      case Op.PresenceUpdate:
        if (!state.session) return socket.close(4003, 'Not authenticated.');
        return;
      default:
        if (!state.session) return socket.close(4003, 'Not authenticated.');
        this.world.protocolError(new Error(`gateway: unknown opcode ${String(frame.op)}`));
        return socket.close(4001, 'Unknown opcode.');
    }
  }

  private identify(socket: WebSocket, d: Record<string, unknown>): Session | undefined {
    const app = typeof d?.token === 'string' ? this.world.appByToken(d.token) : undefined;
    const fail = (code: number, reason: string) => {
      this.connects.push({ ...(app ? { appId: app.id } : {}), op: 'identify', ok: false, code });
      socket.close(code, reason);
      return undefined;
    };
    if (!app) return fail(4004, 'Authentication failed.');
    const intents = d.intents;
    if (typeof intents !== 'number' || !Number.isInteger(intents) || intents < 0 || intents & ~ALL_INTENTS)
      return fail(4013, 'Invalid intent(s).');
    for (const [bit, flag] of PRIVILEGED) if (intents & bit && !app[flag]) return fail(4014, 'Disallowed intent(s).');
    const shard = d.shard as unknown;
    if (shard !== undefined && !(Array.isArray(shard) && shard[0] === 0 && shard[1] === 1)) return fail(4010, 'Invalid shard.');
    const session: Session = { id: snowflake().slice(-16), appId: app.id, intents, seq: 0, log: [], socket, invalid: false };
    this.sessions.set(session.id, session);
    this.connects.push({ appId: app.id, op: 'identify', ok: true });
    const r = this.world.ready(app);
    this.push(session, 'READY', {
      v: 10,
      user: r.user,
      guilds: r.guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: this.resumeUrl(),
      shard: [0, 1],
      application: r.application,
      private_channels: [],
      relationships: [],
      presences: [],
      user_settings: {},
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      auth: {},
    });
    if (intents & Intents.Guilds) for (const g of r.guildCreates) this.push(session, 'GUILD_CREATE', g);
    return session;
  }

  private resume(socket: WebSocket, d: Record<string, unknown>): Session | undefined {
    const session = typeof d?.session_id === 'string' ? this.sessions.get(d.session_id) : undefined;
    const app = typeof d?.token === 'string' ? this.world.appByToken(d.token) : undefined;
    if (!app) {
      this.connects.push({ op: 'resume', ok: false, code: 4004 });
      socket.close(4004, 'Authentication failed.');
      return undefined;
    }
    const seq = d.seq;
    if (!session || session.invalid || session.appId !== app.id || typeof seq !== 'number' || seq > session.seq) {
      this.connects.push({ appId: app.id, op: 'resume', ok: false });
      // Invalid session, not resumable: the client identifies anew on a fresh connection.
      socket.send(JSON.stringify({ op: Op.InvalidSession, d: false, s: null, t: null }));
      return undefined;
    }
    session.socket?.terminate();
    session.socket = socket;
    const missed = session.log.filter((e) => e.s > seq);
    for (const e of missed) socket.send(JSON.stringify({ op: Op.Dispatch, ...e }));
    this.connects.push({ appId: app.id, op: 'resume', ok: true, replayed: missed.length });
    this.push(session, 'RESUMED', null);
    return session;
  }
}

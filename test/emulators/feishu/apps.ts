/**
 * Registered apps and their tenant access tokens.
 *
 * Token issuing follows Feishu's documented behaviour for tenant_access_token/internal: while the
 * current token has more than 30 minutes left the same token is returned with the remaining
 * lifetime; otherwise a new one is issued and the old one stays valid until it expires.
 */
import { hex, newOpenId, newTenantKey, newTenantToken } from './ids';
import type { AppOptions } from './types';

/** Runtime state of one app. */
export interface AppState {
  appId: string;
  appSecret: string;
  botOpenId: string;
  botName: string;
  tenantKey: string;
  verificationToken: string;
  tokenTtlSeconds: number;
  /** Max live WebSocket connections (Feishu: 50 per app). */
  connectionLimit: number;
  /** Where the limit is enforced: at the WS handshake (official SDKs' view) or the endpoint call. */
  connectionLimitStage: 'handshake' | 'endpoint';
  /** Chats the bot has been removed from (→ 230002). */
  chatsWithoutBot: Set<string>;
  /** Users the bot is not available to (→ 230013). */
  unavailableUsers: Set<string>;
}

interface TokenRecord {
  appId: string;
  expiresAt: number;
  revoked: boolean;
}

const APP_ID_RE = /^cli_[0-9a-f]{16}$/;
const REFRESH_WINDOW_MS = 30 * 60 * 1000;

/** App registry plus token store. */
export class AppRegistry {
  private readonly apps = new Map<string, AppState>();
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly current = new Map<string, string>();

  /** Register an app; throws on an app id the real platform would never issue. */
  add(opts: AppOptions): AppState {
    if (!APP_ID_RE.test(opts.appId)) {
      throw new Error(`FeishuEmulator.addApp: appId must match ^cli_[0-9a-f]{16}$ (got ${opts.appId})`);
    }
    const state: AppState = {
      appId: opts.appId,
      appSecret: opts.appSecret,
      botOpenId: opts.botOpenId ?? newOpenId(),
      botName: opts.botName ?? 'Test Bot',
      tenantKey: newTenantKey(),
      verificationToken: opts.verificationToken ?? hex(16),
      tokenTtlSeconds: opts.tokenTtlSeconds ?? 7200,
      connectionLimit: 50,
      connectionLimitStage: 'handshake',
      chatsWithoutBot: new Set(),
      unavailableUsers: new Set(),
    };
    this.apps.set(opts.appId, state);
    return state;
  }

  get(appId: string): AppState | undefined {
    return this.apps.get(appId);
  }

  /** The app or an Error (for public API misuse in tests). */
  require(appId: string): AppState {
    const app = this.apps.get(appId);
    if (!app) throw new Error(`FeishuEmulator: unknown app ${appId}; call addApp first`);
    return app;
  }

  /** Issue (or re-use) a tenant token. Returns the token and its remaining lifetime in seconds. */
  issueToken(app: AppState, now = Date.now()): { token: string; expire: number } {
    const cur = this.current.get(app.appId);
    const rec = cur ? this.tokens.get(cur) : undefined;
    if (cur && rec && !rec.revoked && rec.expiresAt - now > REFRESH_WINDOW_MS) {
      return { token: cur, expire: Math.floor((rec.expiresAt - now) / 1000) };
    }
    const token = newTenantToken();
    this.tokens.set(token, { appId: app.appId, expiresAt: now + app.tokenTtlSeconds * 1000, revoked: false });
    this.current.set(app.appId, token);
    return { token, expire: app.tokenTtlSeconds };
  }

  /** The app a valid token belongs to, or undefined when unknown, expired or revoked. */
  appForToken(token: string, now = Date.now()): AppState | undefined {
    const rec = this.tokens.get(token);
    if (!rec || rec.revoked || rec.expiresAt <= now) return undefined;
    return this.apps.get(rec.appId);
  }

  /** Invalidate every token issued to the app (the next API call gets 99991663). */
  expireTokens(appId: string): void {
    for (const rec of this.tokens.values()) if (rec.appId === appId) rec.revoked = true;
    this.current.delete(appId);
  }
}

/**
 * Shared internals handed to route modules, plus the common request pipeline of the
 * authenticated Open APIs: latency → bearer token → injected fault → per-app rate limit.
 */
import type { AppRegistry, AppState } from './apps';
import type { CardStore } from './cardkit';
import { Codes, fail } from './errors';
import type { Faults } from './faults';
import type { RequestContext } from './http-server';
import type { MessageChange, MessageChanges } from './message-edit-api';
import type { MessageStore } from './messages';
import type { RateLimiter } from './rate-limit';
import type { ApiName, ClientConfig, ReactionRecord, SentMessage } from './types';

/** What the route modules need from the emulator. */
export interface ApiDeps {
  apps: AppRegistry;
  faults: Faults;
  limiter: RateLimiter;
  store: MessageStore;
  clientConfig: () => ClientConfig;
  cardTableLimit: () => number;
  /** Issue a one-time WebSocket URL for the app (long-connection endpoint). */
  issueWsUrl: (appId: string) => string;
  /** Live long connections of the app. */
  connectionCount: (appId: string) => number;
  onSent: (m: SentMessage) => void;
  reactions: ReactionRecord[];
  /** CardKit card entities. */
  cards: CardStore;
  /** Edits and recalls of sent messages. */
  changes: MessageChanges;
  onChange: (c: MessageChange) => void;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Wait for the configured latency of `api`. */
export async function applyLatency(deps: ApiDeps, api: ApiName): Promise<void> {
  const ms = deps.faults.latencyFor(api);
  if (ms > 0) await sleep(ms);
}

/**
 * Resolve the app from `Authorization: Bearer <tenant_access_token>`.
 * No header, or no `Bearer ` prefix → 99991661; unknown/expired/revoked token → 99991663
 * (both HTTP 400, as the real gateway answers).
 */
export function authenticate(ctx: RequestContext, deps: ApiDeps): AppState {
  const h = ctx.headers.authorization;
  if (typeof h !== 'string' || !h.startsWith('Bearer ') || h.length <= 7) fail(Codes.missingToken);
  const app = deps.apps.appForToken(h.slice(7).trim());
  if (!app) fail(Codes.invalidToken);
  ctx.log.appId = app.appId;
  return app;
}

/** The pipeline of every authenticated API; returns the calling app. */
export async function guard(ctx: RequestContext, deps: ApiDeps, api: ApiName): Promise<AppState> {
  ctx.log.api = api;
  await applyLatency(deps, api);
  const app = authenticate(ctx, deps);
  const injected = deps.faults.take(api);
  if (injected) fail(injected);
  const limited = deps.limiter.checkApp(app.appId, api);
  if (limited) fail(limited);
  return app;
}

/**
 * Auth and bootstrap routes:
 * - POST /open-apis/auth/v3/tenant_access_token/internal and /app_access_token/internal
 *   (HTTP 200 even on failure: 10003 invalid param, 10014 app id not exists / app secret invalid);
 * - POST /callback/ws/endpoint, the long-connection bootstrap the WSClient calls
 *   (body `{AppID, AppSecret}`, answer `{code, msg, data:{URL, ClientConfig}}`);
 * - GET /open-apis/bot/v3/info.
 */
import type { AppState } from './apps';
import { applyLatency, guard, type ApiDeps } from './deps';
import { Codes, type FeishuError } from './errors';
import type { Reply, RequestContext, Router } from './http-server';

const APP_ID_SHAPE = /^cli_[0-9a-f]{16}$/;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

function tokenError(e: FeishuError): Reply {
  return { status: e.httpStatus, body: { code: e.code, data: {}, msg: e.msg }, headers: e.headers };
}

/** Common credential check of both token endpoints. */
function checkCredentials(ctx: RequestContext, deps: ApiDeps): AppState | Reply {
  const b = (ctx.body ?? {}) as Record<string, unknown>;
  const appId = str(b.app_id);
  const secret = str(b.app_secret);
  if (!appId || !secret || !APP_ID_SHAPE.test(appId)) return tokenError(Codes.tokenInvalidParam);
  const app = deps.apps.get(appId);
  if (!app) return tokenError(Codes.tokenAppNotExists);
  ctx.log.appId = appId;
  if (app.appSecret !== secret) return tokenError(Codes.tokenSecretInvalid);
  const injected = deps.faults.take('token');
  if (injected) return tokenError(injected);
  return app;
}

/** A token endpoint: the credentials checked, a token issued, answered in the endpoint's own shape. */
function tokenEndpoint(api: 'token' | 'appToken', answer: (token: string, expire: number) => Record<string, unknown>) {
  return async (ctx: RequestContext, deps: ApiDeps): Promise<Reply> => {
    ctx.log.api = api;
    await applyLatency(deps, 'token');
    const app = checkCredentials(ctx, deps);
    if ('status' in app) return app;
    const { token, expire } = deps.apps.issueToken(app);
    return { status: 200, body: answer(token, expire) };
  };
}

const tenantToken = tokenEndpoint('token', (token, expire) => ({ code: 0, expire, msg: 'ok', tenant_access_token: token }));
// For self-built apps the answer carries the same value as both tokens (real sample response).
const appToken = tokenEndpoint('appToken', (token, expire) => ({
  app_access_token: token,
  code: 0,
  expire,
  msg: 'ok',
  tenant_access_token: token,
}));

/** Endpoint error body, shaped like a real one: code/msg plus `data.URL` empty and `error`. */
function endpointError(e: FeishuError): Reply {
  if (e.httpStatus >= 300) return { status: e.httpStatus, body: { code: e.code, msg: e.msg }, headers: e.headers };
  return {
    status: e.httpStatus,
    headers: e.headers,
    body: {
      code: e.code,
      data: { URL: '' },
      error: { ErrX: null, id: e.code, localizedMessage: { locale: 'zh', message: e.msg } },
      msg: e.msg,
    },
  };
}

async function wsEndpoint(ctx: RequestContext, deps: ApiDeps): Promise<Reply> {
  ctx.log.api = 'endpoint';
  await applyLatency(deps, 'endpoint');
  const b = (ctx.body ?? {}) as Record<string, unknown>;
  const appId = str(b.AppID);
  const secret = str(b.AppSecret);
  if (!appId || !secret) return endpointError(Codes.wsCredentialEmpty);
  const app = deps.apps.get(appId);
  if (!app || app.appSecret !== secret) return endpointError(Codes.wsCredentialInvalid);
  ctx.log.appId = appId;
  const injected = deps.faults.take('endpoint');
  if (injected) return endpointError(injected);
  if (app.connectionLimitStage === 'endpoint' && deps.connectionCount(appId) >= app.connectionLimit) {
    return endpointError(Codes.wsExceedConnLimit);
  }
  return {
    status: 200,
    body: { code: 0, data: { ClientConfig: deps.clientConfig(), URL: deps.issueWsUrl(appId) }, msg: 'ok' },
  };
}

async function botInfo(ctx: RequestContext, deps: ApiDeps): Promise<Reply> {
  const app = await guard(ctx, deps, 'botInfo');
  return {
    status: 200,
    body: {
      bot: {
        activate_status: 2,
        app_name: app.botName,
        avatar_url: 'https://s1-imfile.feishucdn.com/static-resource/v1/emulator-avatar~?image_size=72x72',
        ip_white_list: [],
        open_id: app.botOpenId,
      },
      code: 0,
      msg: 'ok',
    },
  };
}

/** Register the auth, endpoint and bot-info routes. */
export function registerAuthRoutes(router: Router, deps: ApiDeps): void {
  router.add('POST', '/open-apis/auth/v3/tenant_access_token/internal', (c) => tenantToken(c, deps));
  router.add('POST', '/open-apis/auth/v3/app_access_token/internal', (c) => appToken(c, deps));
  router.add('POST', '/callback/ws/endpoint', (c) => wsEndpoint(c, deps));
  router.add('GET', '/open-apis/bot/v3/info', (c) => botInfo(c, deps));
}

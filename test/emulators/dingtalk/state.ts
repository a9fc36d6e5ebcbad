/** What the emulated DingTalk organisation holds, and the OpenAPI methods that act on it. */
import { randomBytes } from 'node:crypto';
import { ApiError, checkMessage } from './openapi';
import { StreamHub } from './stream';
import type {
  AppInfo,
  CardButton,
  CardState,
  EmulatorOptions,
  GroupInfo,
  InjectedFailure,
  RequestRecord,
  SentMessage,
  UserInfo,
} from './types';

/** An app as the emulator keeps it: what its tests see, and the permissions it was granted. */
export interface StoredApp extends AppInfo {
  scopes: Set<string>;
}

export interface CardTemplate {
  id: string;
  /** The markdown variable the template streams into. */
  contentKey: string;
  /** The variable holding the buttons (a JSON list of {text, token, style}). */
  buttonsKey: string;
}

export interface StoredFile {
  data: Buffer;
  mime: string;
  name?: string;
  expires: number;
}

export interface Upload {
  mediaId: string;
  type: string;
  filename: string;
  mime: string;
  data: Buffer;
  clientId: string;
}

export const DEFAULTS: Required<EmulatorOptions> = {
  redeliverIntervalMs: 5000,
  redeliverForMs: 60_000,
  pingIntervalMs: 0,
  qpsPerApi: 20,
  tokenTtlSec: 7200,
  ticketTtlMs: 90_000,
  uploadLimits: { image: 20 * 1024 * 1024, file: 20 * 1024 * 1024, video: 20 * 1024 * 1024, voice: 2 * 1024 * 1024 },
};

export const id = (prefix: string, n = 12) => `${prefix}${randomBytes(n).toString('base64url')}`;

export class EmulatorState {
  url = '';
  readonly opts: Required<EmulatorOptions>;
  readonly hub: StreamHub;
  readonly apps = new Map<string, StoredApp>();
  readonly users = new Map<string, UserInfo>();
  readonly groups = new Map<string, GroupInfo>();
  readonly templates = new Map<string, CardTemplate>();
  readonly tokens = new Map<string, { clientId: string; expires: number }>();
  readonly files = new Map<string, StoredFile>();
  /** downloadCode → file id, per robot. */
  readonly downloadCodes = new Map<string, { robotCode: string; file: string }>();
  readonly uploads: Upload[] = [];
  /** Every message robots sent, in order. */
  readonly sent: SentMessage[] = [];
  readonly cards = new Map<string, CardState>();
  readonly requests: RequestRecord[] = [];
  private readonly failures: InjectedFailure[] = [];
  private readonly calls = new Map<string, number[]>();

  constructor(o: EmulatorOptions = {}) {
    this.opts = { ...DEFAULTS, ...o, uploadLimits: { ...DEFAULTS.uploadLimits, ...o.uploadLimits } };
    this.hub = new StreamHub(this.opts);
  }

  /** Changes timings and limits, also while running. */
  configure(o: EmulatorOptions): void {
    Object.assign(this.opts, { ...o, uploadLimits: { ...this.opts.uploadLimits, ...o.uploadLimits } });
    Object.assign(this.hub.opts, this.opts);
  }

  /** The next `times` calls of `path` fail with DingTalk's error shape. */
  failNext(f: InjectedFailure): void {
    this.failures.push({ times: 1, ...f });
  }

  appOfToken(token: string): StoredApp {
    const t = this.tokens.get(token);
    if (!token || !t || t.expires < Date.now()) throw new ApiError(401, 'InvalidAuthentication', '不合法的access_token');
    return this.apps.get(t.clientId)!;
  }

  injected(path: string): void {
    const f = this.failures.find((x) => x.path === path);
    if (!f) return;
    if (f.skip) {
      f.skip--;
      return;
    }
    if (--f.times! <= 0) this.failures.splice(this.failures.indexOf(f), 1);
    throw new ApiError(f.status, f.code, f.message ?? f.code);
  }

  /** DingTalk's per-app, per-API QPS limit: Forbidden.AccessDenied.QpsLimitForAppkeyAndApi with HTTP 403. */
  qps(app: StoredApp, path: string): void {
    const key = `${app.clientId} ${path}`;
    const now = Date.now();
    const recent = (this.calls.get(key) ?? []).filter((t) => t > now - 1000);
    if (recent.length >= this.opts.qpsPerApi)
      throw new ApiError(403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', '应用调用该接口的请求数超过限流值');
    recent.push(now);
    this.calls.set(key, recent);
  }

  route(method: string, path: string, app: StoredApp, input: Record<string, unknown>): unknown {
    const m = `${method} ${path}`;
    switch (m) {
      case 'POST /v1.0/robot/oToMessages/batchSend':
        return this.batchSend(app, input);
      case 'POST /v1.0/robot/groupMessages/send':
        return this.groupSend(app, input);
      case 'POST /v1.0/robot/otoMessages/batchRecall':
      case 'POST /v1.0/robot/groupMessages/recall':
        return this.recall(app, input, path.includes('group'));
      case 'POST /v1.0/robot/messageFiles/download':
        return this.fileUrl(app, input);
      case 'POST /v1.0/card/instances/createAndDeliver':
        return this.createCard(app, input);
      case 'PUT /v1.0/card/instances':
        return this.updateCard(app, input);
      case 'PUT /v1.0/card/streaming':
        return this.streamCard(app, input);
    }
    throw new ApiError(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.');
  }

  private batchSend(app: StoredApp, input: Record<string, unknown>) {
    const userIds = Array.isArray(input.userIds) ? input.userIds.map(String) : [];
    if (!userIds.length) throw new ApiError(400, 'invalidParameter.userIds.empty', '用户userId列表为空');
    if (userIds.length > 20) throw new ApiError(400, 'invalidParameter.userIds.overMax', '用户userId列表长度超过上限');
    const msg = checkMessage(app, input);
    const invalid = userIds.filter((u) => !this.users.has(u));
    const valid = userIds.filter((u) => this.users.has(u));
    const processQueryKey = id('', 24);
    for (const u of valid)
      this.sent.push({ via: 'oto', robotCode: app.robotCode, to: valid, conversation: u, ...msg, processQueryKey, recalled: false });
    return { processQueryKey, invalidStaffIdList: invalid, flowControlledStaffIdList: [] };
  }

  private groupSend(app: StoredApp, input: Record<string, unknown>) {
    const cid = String(input.openConversationId ?? '');
    const group = this.groups.get(cid);
    if (!group || !group.robots.includes(app.robotCode)) throw new ApiError(400, 'invalid.openConversationId', '无效的openConversationId');
    const msg = checkMessage(app, input);
    const processQueryKey = id('', 24);
    this.sent.push({ via: 'group', robotCode: app.robotCode, to: [cid], conversation: cid, ...msg, processQueryKey, recalled: false });
    return { processQueryKey };
  }

  private recall(app: StoredApp, input: Record<string, unknown>, group: boolean) {
    if (input.robotCode !== app.robotCode)
      throw new ApiError(400, 'invalidParameter.robotCode.auth', '该应用appkey与机器人robotCode不匹配');
    const keys = Array.isArray(input.processQueryKeys) ? input.processQueryKeys.map(String) : [];
    if (!keys.length) throw new ApiError(400, 'invalidParameter.processQueryKeys.empty', 'processQueryKeys为空');
    const successResult: string[] = [];
    const failedResult: Record<string, string> = {};
    for (const k of keys) {
      const mine = this.sent.filter((x) => x.processQueryKey === k && x.robotCode === app.robotCode && (x.via === 'group') === group);
      if (group && mine.some((x) => x.conversation !== input.openConversationId)) failedResult[k] = 'openConversationId not match';
      else if (!mine.length) failedResult[k] = 'processQueryKey not found';
      else {
        for (const x of mine) x.recalled = true;
        successResult.push(k);
      }
    }
    return { successResult, failedResult };
  }

  private fileUrl(app: StoredApp, input: Record<string, unknown>) {
    if (input.robotCode !== app.robotCode)
      throw new ApiError(400, 'invalidParameter.robotCode.auth', '该应用appkey与机器人robotCode不匹配');
    const code = this.downloadCodes.get(String(input.downloadCode ?? ''));
    if (!code || code.robotCode !== app.robotCode) throw new ApiError(400, 'invalidParameter.downloadCode.invalid', 'downloadCode不合法');
    return { downloadUrl: `${this.url}/files/${code.file}` };
  }

  private createCard(app: StoredApp, input: Record<string, unknown>) {
    const templateId = String(input.cardTemplateId ?? '');
    const outTrackId = String(input.outTrackId ?? '');
    if (!templateId) throw new ApiError(400, 'param.cardTemplateIdEmpty', 'param.cardTemplateIdEmpty');
    if (!outTrackId) throw new ApiError(400, 'param.outTrackIdEmpty', 'param.outTrackIdEmpty');
    const template = this.templates.get(templateId);
    if (!template) throw new ApiError(400, 'param.cardTemplateIdInvalid', 'param.cardTemplateIdInvalid');
    const existing = this.cards.get(outTrackId);
    const space = /^dtv1\.card\/\/(IM_GROUP|IM_ROBOT)\.(.+)$/.exec(String(input.openSpaceId ?? ''));
    if (!space) throw new ApiError(400, 'param.openSpaceIdInvalid', 'param.openSpaceIdInvalid');
    const [, type, target] = space as unknown as [string, 'IM_GROUP' | 'IM_ROBOT', string];
    const deliver = (type === 'IM_GROUP' ? input.imGroupOpenDeliverModel : input.imRobotOpenDeliverModel) as
      Record<string, unknown> | undefined;
    if (!deliver)
      throw new ApiError(
        400,
        'param.openDeliverModelEmpty',
        `param.${type === 'IM_GROUP' ? 'imGroupOpenDeliverModel' : 'imRobotOpenDeliverModel'}Empty`,
      );
    if (type === 'IM_GROUP' && deliver.robotCode !== app.robotCode)
      throw new ApiError(400, 'invalidParameter.robotCode.auth', '该应用appkey与机器人robotCode不匹配');
    const ok = type === 'IM_GROUP' ? !!this.groups.get(target)?.robots.includes(app.robotCode) : this.users.has(target);
    const result = {
      outTrackId,
      deliverResults: [
        { spaceType: type, spaceId: target, success: ok, ...(ok ? { carrierId: id('', 10) } : { errorMsg: 'spaceId is invalid' }) },
      ],
    };
    if (!ok || existing) return { success: true, result };
    const params = stringMap(obj(input.cardData).cardParamMap);
    this.cards.set(outTrackId, {
      outTrackId,
      robotCode: app.robotCode,
      templateId,
      conversation: target,
      space: type,
      ...(typeof input.callbackType === 'string' ? { callbackType: input.callbackType } : {}),
      params,
      content: params[template.contentKey] ?? '',
      frames: [],
      finalized: false,
      buttons: buttonsOf(params[template.buttonsKey]),
    });
    return { success: true, result };
  }

  private card(app: StoredApp, input: Record<string, unknown>): CardState {
    const outTrackId = String(input.outTrackId ?? '');
    if (!outTrackId) throw new ApiError(400, 'param.outTrackIdEmpty', 'param.outTrackIdEmpty');
    const card = this.cards.get(outTrackId);
    if (!card || card.robotCode !== app.robotCode) throw new ApiError(400, 'param.cardInstanceNotExist', 'param.cardInstanceNotExist');
    return card;
  }

  private updateCard(app: StoredApp, input: Record<string, unknown>) {
    const card = this.card(app, input);
    const template = this.templates.get(card.templateId)!;
    const params = stringMap(obj(input.cardData).cardParamMap);
    const byKey = obj(input.cardUpdateOptions).updateCardDataByKey === true;
    card.params = byKey ? { ...card.params, ...params } : params;
    if (template.contentKey in params) card.content = params[template.contentKey]!;
    card.buttons = buttonsOf(card.params[template.buttonsKey]);
    return { success: true, result: true };
  }

  private streamCard(app: StoredApp, input: Record<string, unknown>) {
    const card = this.card(app, input);
    const template = this.templates.get(card.templateId)!;
    if (typeof input.guid !== 'string' || !input.guid) throw new ApiError(400, 'param.guidEmpty', 'param.guidEmpty');
    if (input.key !== template.contentKey)
      throw new ApiError(400, 'param.keyInvalid', `param.keyInvalid: the template streams "${template.contentKey}"`);
    if (typeof input.content !== 'string') throw new ApiError(400, 'param.contentEmpty', 'param.contentEmpty');
    // The guid makes a frame idempotent: the same frame again changes nothing.
    if (card.frames.some((f) => f.guid === input.guid)) return { success: true, result: true };
    const isFull = input.isFull === true;
    card.content = isFull ? input.content : card.content + input.content;
    card.frames.push({ content: input.content, guid: input.guid, isFinalize: input.isFinalize === true, isError: input.isError === true });
    if (input.isFinalize === true) card.finalized = true;
    return { success: true, result: true };
  }
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** cardParamMap values are strings in DingTalk's API. */
function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) {
    if (typeof x !== 'string') throw new ApiError(400, 'param.cardParamMapInvalid', `param.cardParamMapInvalid: ${k} must be a string`);
    out[k] = x;
  }
  return out;
}

function buttonsOf(raw: string | undefined): CardButton[] {
  if (!raw) return [];
  try {
    const list = JSON.parse(raw) as unknown;
    return Array.isArray(list)
      ? list
          .map(obj)
          .map((b) => ({ text: String(b.text ?? ''), token: String(b.token ?? ''), ...(b.style ? { style: String(b.style) } : {}) }))
      : [];
  } catch {
    throw new ApiError(400, 'param.cardParamMapInvalid', 'param.cardParamMapInvalid: buttons must be a JSON list');
  }
}

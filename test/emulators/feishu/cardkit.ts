/**
 * CardKit card entities (`/open-apis/cardkit/v1/cards`): create a JSON 2.0 card, send it once in a
 * message whose content is `{"type":"card","data":{"card_id":…}}`, stream text into its markdown or
 * plain_text elements (`PUT …/elements/:element_id/content`, the full text each time), change its config
 * (`PATCH …/settings`, e.g. `streaming_mode: false`) or replace it whole (`PUT …/cards/:card_id`).
 *
 * As Feishu does: every operation on a card carries a `sequence` that must be greater than the last one
 * the card accepted (`300317 sequence number compare failed`); an operation repeated with the same
 * `uuid` is carried out once; at most 10 operations per second per card (`230020`); only the app that
 * created a card may operate it; text streams only while `streaming_mode` is on, and Feishu turns it off
 * by itself 10 minutes after it was turned on (`streamingTimeoutMs` here): updates after that get `200850`,
 * after it was turned off with the settings API `300309`.
 */
import type { AppState } from './apps';
import { guard, type ApiDeps } from './deps';
import { Codes, fail, feishuError, fieldViolation, type FeishuError } from './errors';
import type { Reply, RequestContext, Router } from './http-server';
import { digits } from './ids';
import { SlidingWindow } from './rate-limit';

/** Feishu turns streaming off 10 minutes after it was turned on. */
export const STREAMING_LIMIT_MS = 10 * 60_000;
/** Operations per second one card takes. */
const OPS_PER_SECOND = 10;
const MAX_SEQUENCE = 2_147_483_647;

type Json = Record<string, unknown>;

/** One operation a card accepted. */
export interface CardOperation {
  op: 'create' | 'content' | 'settings' | 'update';
  sequence?: number;
  elementId?: string;
  at: number;
}

/** A card entity as the emulator keeps it. */
export interface CardEntity {
  cardId: string;
  appId: string;
  /** The card JSON as it renders now (element contents streamed in). */
  card: Json;
  streaming: boolean;
  /** When streaming was last turned on. */
  streamingSince: number;
  /** Why streaming is off, once it is. */
  closedBy?: 'settings' | 'timeout';
  sequence: number;
  /** The message it was sent in (a card entity is sent once). */
  messageId?: string;
  operations: CardOperation[];
  readonly uuids: Set<string>;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every element of a card body, nested ones included. */
function elementsOf(card: Json): Json[] {
  const out: Json[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObj(v)) {
      if (typeof v.tag === 'string') out.push(v);
      for (const x of Object.values(v)) if (typeof x === 'object') walk(x);
    }
  };
  walk(isObj(card.body) ? card.body.elements : undefined);
  return out;
}

/** A card_json payload parsed and checked as CardKit checks it: JSON 2.0 with `body.elements`, unique element ids. */
function parseCard(type: unknown, data: unknown): Json {
  if (type !== 'card_json') fail(fieldViolation('type', 'type must be card_json', String(type)));
  if (typeof data !== 'string' || !data) fail(fieldViolation('data', 'data is required'));
  let card: unknown;
  try {
    card = JSON.parse(data);
  } catch {
    fail(Codes.cardParseFailed);
  }
  if (!isObj(card) || card.schema !== '2.0' || !isObj(card.body) || !Array.isArray(card.body.elements)) fail(Codes.cardParseFailed);
  const ids = elementsOf(card)
    .map((e) => e.element_id)
    .filter((id): id is string => typeof id === 'string');
  if (new Set(ids).size !== ids.length) fail(Codes.cardDuplicateElementId);
  return card;
}

/** The card entities of every app, and the checks their operations go through. */
export class CardStore {
  private readonly cards = new Map<string, CardEntity>();
  private readonly rate = new SlidingWindow(OPS_PER_SECOND, 1000);

  constructor(private readonly streamingLimitMs: () => number) {}

  get(cardId: string): CardEntity | undefined {
    const c = this.cards.get(cardId);
    if (c) this.expire(c);
    return c;
  }

  all(): CardEntity[] {
    return [...this.cards.values()].map((c) => (this.expire(c), c));
  }

  create(app: AppState, card: Json): CardEntity {
    const config = isObj(card.config) ? card.config : {};
    const c: CardEntity = {
      cardId: `7${digits(18)}`,
      appId: app.appId,
      card,
      streaming: config.streaming_mode === true,
      streamingSince: Date.now(),
      sequence: 0,
      operations: [{ op: 'create', at: Date.now() }],
      uuids: new Set(),
    };
    this.cards.set(c.cardId, c);
    return c;
  }

  /**
   * The card a message is about to reference (`{"type":"card","data":{"card_id"}}`), checked; call the
   * returned function with the message id once the message exists. Undefined for any other content.
   */
  claim(app: AppState, msgType: string, content: unknown): ((messageId: string) => void) | undefined {
    if (msgType !== 'interactive' || !isObj(content) || content.type !== 'card') return undefined;
    const cardId = isObj(content.data) ? content.data.card_id : undefined;
    if (typeof cardId !== 'string' || !cardId) fail(feishuError(Codes.cardFailed, 'ErrCode: 200621; ErrMsg: card_id is required; '));
    const c = this.cards.get(cardId);
    if (!c) fail(feishuError(Codes.cardFailed, `ErrCode: 300310; ErrMsg: card not found: ${cardId}; `));
    if (c.appId !== app.appId) fail(feishuError(Codes.cardFailed, 'ErrCode: 300303; ErrMsg: the card was created by another app; '));
    if (c.messageId) fail(feishuError(Codes.cardFailed, 'ErrCode: 300311; ErrMsg: the card entity has already been sent; '));
    return (messageId) => (c.messageId = messageId);
  }

  /**
   * Runs one operation on `cardId` for `app`, as CardKit orders its checks: the card and its owner, the
   * rate, a repeated `uuid` (done once: success without effect), the sequence; then `apply`.
   */
  operate(app: AppState, cardId: string, body: Json, op: CardOperation['op'], apply: (c: CardEntity) => void, elementId?: string): void {
    const c = this.get(cardId);
    if (!c) fail(Codes.cardNotFound);
    if (c.appId !== app.appId) fail(Codes.cardNotOwner);
    const sequence = body.sequence;
    if (typeof sequence !== 'number' || !Number.isInteger(sequence) || sequence < 1 || sequence > MAX_SEQUENCE) {
      fail(fieldViolation('sequence', 'sequence is required, an integer from 1 to 2147483647', String(sequence)));
    }
    const uuid = body.uuid;
    if (uuid !== undefined && (typeof uuid !== 'string' || uuid.length < 1 || uuid.length > 64)) {
      fail(fieldViolation('uuid', 'the length of uuid is 1 to 64', String(uuid)));
    }
    if (this.rate.hit(cardId, Date.now()) > 0) fail(Codes.frequencyLimit);
    if (typeof uuid === 'string' && c.uuids.has(uuid)) return;
    if (sequence <= c.sequence) fail(Codes.cardSequence);
    apply(c);
    c.sequence = sequence;
    if (typeof uuid === 'string') c.uuids.add(uuid);
    c.operations.push({ op, sequence, at: Date.now(), ...(elementId ? { elementId } : {}) });
  }

  /** The error a text update gets on a card that does not stream (any more). */
  notStreaming(c: CardEntity): FeishuError | undefined {
    if (c.streaming) return undefined;
    return c.closedBy === 'timeout' ? { ...Codes.cardStreamingTimeout } : { ...Codes.cardStreamingClosed };
  }

  private expire(c: CardEntity): void {
    if (c.streaming && Date.now() - c.streamingSince >= this.streamingLimitMs()) {
      c.streaming = false;
      c.closedBy = 'timeout';
      const config = isObj(c.card.config) ? c.card.config : (c.card.config = {});
      (config as Json).streaming_mode = false;
    }
  }
}

/** Sets `streaming_mode` from a config, as create, settings and update do. */
function applyStreaming(c: CardEntity, config: unknown): void {
  if (!isObj(config) || typeof config.streaming_mode !== 'boolean') return;
  if (config.streaming_mode && !c.streaming) c.streamingSince = Date.now();
  c.streaming = config.streaming_mode;
  if (c.streaming) delete c.closedBy;
  else c.closedBy ??= 'settings';
}

const ok = (data: Json = {}): Reply => ({ status: 200, body: { code: 0, data, msg: 'success' } });
const bodyOf = (ctx: RequestContext): Json => (isObj(ctx.body) ? ctx.body : {});

async function createCard(ctx: RequestContext, deps: ApiDeps): Promise<Reply> {
  const app = await guard(ctx, deps, 'cardCreate');
  const b = bodyOf(ctx);
  const c = deps.cards.create(app, parseCard(b.type, b.data));
  return ok({ card_id: c.cardId });
}

async function streamContent(ctx: RequestContext, deps: ApiDeps): Promise<Reply> {
  const app = await guard(ctx, deps, 'cardContent');
  const b = bodyOf(ctx);
  const elementId = ctx.params.element_id;
  if (typeof b.content !== 'string') fail(fieldViolation('content', 'content is required'));
  deps.cards.operate(
    app,
    ctx.params.card_id,
    b,
    'content',
    (c) => {
      const closed = deps.cards.notStreaming(c);
      if (closed) fail(closed);
      const el = elementsOf(c.card).find((e) => e.element_id === elementId);
      if (!el || (el.tag !== 'markdown' && el.tag !== 'plain_text')) {
        fail({ ...Codes.cardElementNotFound, msg: `${Codes.cardElementNotFound.msg} : ${elementId}; ` });
      }
      el.content = b.content;
    },
    elementId,
  );
  return ok();
}

async function settings(ctx: RequestContext, deps: ApiDeps): Promise<Reply> {
  const app = await guard(ctx, deps, 'cardSettings');
  const b = bodyOf(ctx);
  if (typeof b.settings !== 'string') fail(fieldViolation('settings', 'settings is required'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(b.settings);
  } catch {
    fail(Codes.cardParseFailed);
  }
  if (!isObj(parsed)) fail(Codes.cardParseFailed);
  deps.cards.operate(app, ctx.params.card_id, b, 'settings', (c) => {
    if (isObj(parsed.config)) {
      c.card.config = { ...(isObj(c.card.config) ? c.card.config : {}), ...parsed.config };
      applyStreaming(c, parsed.config);
    }
    if (parsed.card_link !== undefined) c.card.card_link = parsed.card_link;
  });
  return ok();
}

async function updateCard(ctx: RequestContext, deps: ApiDeps): Promise<Reply> {
  const app = await guard(ctx, deps, 'cardUpdate');
  const b = bodyOf(ctx);
  const card = isObj(b.card) ? b.card : fail(fieldViolation('card', 'card is required'));
  const next = parseCard(card.type, card.data);
  deps.cards.operate(app, ctx.params.card_id, b, 'update', (c) => {
    c.card = next;
    applyStreaming(c, next.config);
  });
  return ok();
}

/** Registers the CardKit routes. */
export function registerCardRoutes(router: Router, deps: ApiDeps): void {
  router.add('POST', '/open-apis/cardkit/v1/cards', (c) => createCard(c, deps));
  router.add('PUT', '/open-apis/cardkit/v1/cards/:card_id', (c) => updateCard(c, deps));
  router.add('PATCH', '/open-apis/cardkit/v1/cards/:card_id/settings', (c) => settings(c, deps));
  router.add('PUT', '/open-apis/cardkit/v1/cards/:card_id/elements/:element_id/content', (c) => streamContent(c, deps));
}

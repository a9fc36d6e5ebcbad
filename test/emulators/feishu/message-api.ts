/**
 * IM routes: send (POST /open-apis/im/v1/messages?receive_id_type=…), reply
 * (POST /open-apis/im/v1/messages/:message_id/reply) and reactions (POST / DELETE).
 */
import type { AppState } from './apps';
import { validateContent } from './content-validation';
import { guard, type ApiDeps } from './deps';
import { Codes, fail, fieldViolation, invalidParam } from './errors';
import type { Reply, RequestContext, Router } from './http-server';
import { newMessageId, newReactionId, newThreadId, p2pChatId } from './ids';
import { botSender, messageData, type StoredMessage } from './messages';
import type { ReactionRecord } from './types';

const RECEIVE_ID_TYPES = ['open_id', 'union_id', 'user_id', 'email', 'chat_id'];

const ok = (data: Record<string, unknown>): Reply => ({ status: 200, body: { code: 0, data, msg: 'success' } });

function requireString(body: Record<string, unknown>, field: string): string {
  const v = body[field];
  if (typeof v !== 'string' || v.length === 0) fail(fieldViolation(field, `${field} is required`));
  return v;
}

function checkUuid(body: Record<string, unknown>): string | undefined {
  if (body.uuid === undefined || body.uuid === '') return undefined;
  if (typeof body.uuid !== 'string' || body.uuid.length > 50) {
    fail(fieldViolation('uuid', 'the max len is 50', String(body.uuid)));
  }
  return body.uuid;
}

/** Resolve where a create goes; enforces the id prefix that matches receive_id_type. */
function resolveTarget(app: AppState, type: string, id: string): { chatId: string; chatType: 'p2p' | 'group' } {
  const prefixOk =
    type === 'chat_id'
      ? id.startsWith('oc_')
      : type === 'open_id'
        ? id.startsWith('ou_')
        : type === 'union_id'
          ? id.startsWith('on_')
          : type === 'email'
            ? /^[^@\s]+@[^@\s]+$/.test(id)
            : !/^(ou|on|oc)_/.test(id);
  if (!prefixOk) fail(invalidParam('invalid receive_id'));
  if (type === 'chat_id') {
    if (app.chatsWithoutBot.has(id)) fail(Codes.botNotInChat);
    return { chatId: id, chatType: 'group' };
  }
  if (app.unavailableUsers.has(id)) fail(Codes.noAvailability);
  return { chatId: p2pChatId(app.appId, id), chatType: 'p2p' };
}

async function create(ctx: RequestContext, deps: ApiDeps): Promise<Reply> {
  const app = await guard(ctx, deps, 'create');
  const type = ctx.query.receive_id_type;
  if (!type) fail(fieldViolation('receive_id_type', 'receive_id_type is required'));
  if (!RECEIVE_ID_TYPES.includes(type)) fail(invalidParam('invalid receive_id_type'));
  const body = (ctx.body ?? {}) as Record<string, unknown>;
  const receiveId = requireString(body, 'receive_id');
  const msgType = requireString(body, 'msg_type');
  const raw = requireString(body, 'content');
  const uuid = checkUuid(body);
  const content = validateContent(msgType, raw, deps.cardTableLimit());
  const target = resolveTarget(app, type, receiveId);
  if (msgType === 'system' && target.chatType === 'group') {
    fail(invalidParam('sending system messages in group chats is not supported'));
  }
  const dup = uuid ? deps.store.byUuid(app.appId, uuid) : undefined;
  if (dup) return ok(messageData(dup));
  const limited = deps.limiter.checkChat(target.chatId);
  if (limited) fail(limited);
  const bindCard = deps.cards.claim(app, msgType, content);
  const m = keep(deps, app, uuid, { ...target, msgType, rawContent: raw });
  bindCard?.(m.messageId);
  deps.onSent({ ...sentFields(m, uuid, content), kind: 'create', receiveIdType: type, receiveId });
  return ok(messageData(m));
}

/** Stores a message the bot sent (and its uuid, so a retry returns it). */
function keep(
  deps: ApiDeps,
  app: AppState,
  uuid: string | undefined,
  fields: Omit<StoredMessage, 'messageId' | 'appId' | 'createTime' | 'sender'>,
): StoredMessage {
  const m: StoredMessage = { messageId: newMessageId(), appId: app.appId, ...fields, createTime: Date.now(), sender: botSender(app) };
  deps.store.put(m);
  if (uuid) deps.store.rememberUuid(app.appId, uuid, m.messageId);
  return m;
}

/** What every `sent` record says about a stored message. */
function sentFields(m: StoredMessage, uuid: string | undefined, content: unknown) {
  return {
    appId: m.appId,
    msgType: m.msgType,
    content,
    rawContent: m.rawContent,
    uuid,
    messageId: m.messageId,
    chatId: m.chatId,
    createTime: m.createTime,
  };
}

async function reply(ctx: RequestContext, deps: ApiDeps): Promise<Reply> {
  const app = await guard(ctx, deps, 'reply');
  const parent = deps.store.get(ctx.params.message_id);
  if (!parent || parent.appId !== app.appId) fail(invalidParam('invalid message_id'));
  if (parent.recalled) fail(Codes.messageRecalled);
  const body = (ctx.body ?? {}) as Record<string, unknown>;
  const msgType = requireString(body, 'msg_type');
  const raw = requireString(body, 'content');
  const uuid = checkUuid(body);
  const replyInThread = body.reply_in_thread === true;
  const content = validateContent(msgType, raw, deps.cardTableLimit());
  if (app.chatsWithoutBot.has(parent.chatId)) fail(Codes.botNotInChat);
  const dup = uuid ? deps.store.byUuid(app.appId, uuid) : undefined;
  if (dup) return ok(messageData(dup));
  const limited = deps.limiter.checkChat(parent.chatId);
  if (limited) fail(limited);
  const bindCard = deps.cards.claim(app, msgType, content);
  let threadId = parent.threadId;
  if (!threadId && replyInThread) {
    threadId = newThreadId();
    parent.threadId = threadId;
  }
  const m = keep(deps, app, uuid, {
    chatId: parent.chatId,
    chatType: parent.chatType,
    msgType,
    rawContent: raw,
    rootId: parent.rootId ?? parent.messageId,
    parentId: parent.messageId,
    threadId,
  });
  bindCard?.(m.messageId);
  deps.onSent({
    ...sentFields(m, uuid, content),
    kind: 'reply',
    replyTo: parent.messageId,
    replyInThread,
    rootId: m.rootId,
    parentId: m.parentId,
    threadId: m.threadId,
  });
  return ok(messageData(m));
}

function reactionData(app: AppState, r: ReactionRecord): Record<string, unknown> {
  return {
    action_time: String(r.createdAt),
    operator: { operator_id: app.appId, operator_type: 'app' },
    reaction_id: r.reactionId,
    reaction_type: { emoji_type: r.emojiType },
  };
}

async function addReaction(ctx: RequestContext, deps: ApiDeps): Promise<Reply> {
  const app = await guard(ctx, deps, 'reaction');
  const msg = deps.store.get(ctx.params.message_id);
  if (!msg || msg.recalled || msg.appId !== app.appId) fail(Codes.reactionMessageNotFound);
  const rt = ((ctx.body ?? {}) as Record<string, unknown>).reaction_type as Record<string, unknown> | undefined;
  const emoji = rt?.emoji_type;
  if (typeof emoji !== 'string' || emoji.length === 0) {
    fail(fieldViolation('reaction_type.emoji_type', 'reaction_type.emoji_type is required'));
  }
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(emoji)) fail(Codes.reactionTypeInvalid);
  const r: ReactionRecord = {
    appId: app.appId,
    messageId: msg.messageId,
    reactionId: newReactionId(),
    emojiType: emoji,
    createdAt: Date.now(),
  };
  deps.reactions.push(r);
  return ok(reactionData(app, r));
}

async function deleteReaction(ctx: RequestContext, deps: ApiDeps): Promise<Reply> {
  const app = await guard(ctx, deps, 'reaction');
  ctx.log.api = 'reactionDelete';
  const msg = deps.store.get(ctx.params.message_id);
  if (!msg || msg.appId !== app.appId) fail(Codes.reactionMessageNotFound);
  const r = deps.reactions.find((x) => x.reactionId === ctx.params.reaction_id && x.appId === app.appId);
  if (!r || r.deletedAt) fail(Codes.reactionIdInvalid);
  if (r.messageId !== msg.messageId) fail(Codes.reactionNotOfMessage);
  r.deletedAt = Date.now();
  return ok(reactionData(app, r));
}

/** Register the IM routes. */
export function registerMessageRoutes(router: Router, deps: ApiDeps): void {
  router.add('POST', '/open-apis/im/v1/messages', (c) => create(c, deps));
  router.add('POST', '/open-apis/im/v1/messages/:message_id/reply', (c) => reply(c, deps));
  router.add('POST', '/open-apis/im/v1/messages/:message_id/reactions', (c) => addReaction(c, deps));
  router.add('DELETE', '/open-apis/im/v1/messages/:message_id/reactions/:reaction_id', (c) => deleteReaction(c, deps));
}

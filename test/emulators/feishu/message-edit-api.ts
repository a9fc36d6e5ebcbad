/**
 * Changing what the bot sent:
 * - `PATCH /open-apis/im/v1/messages/:message_id` `{content}`: a card message (msg_type interactive)
 *   gets new card content (a card sent as a card entity is changed through CardKit instead);
 * - `PUT /open-apis/im/v1/messages/:message_id` `{msg_type, content}`: a text or post message gets new
 *   text or post content, at most 20 times per message (`230072`);
 * - `DELETE /open-apis/im/v1/messages/:message_id`: recalls it (`230011` once recalled).
 * Only messages the calling app sent; an unknown id is `230001 … ext=invalid message_id`.
 */
import type { AppState } from './apps';
import { validateContent } from './content-validation';
import { guard, type ApiDeps } from './deps';
import { Codes, fail, fieldViolation, invalidParam } from './errors';
import type { Reply, RequestContext, Router } from './http-server';
import { messageData, type StoredMessage } from './messages';

/** Edits Feishu allows of one text or post message. */
export const MAX_EDITS = 20;

/** One change the bot made to a message it sent. */
export interface MessageChange {
  kind: 'patch' | 'update' | 'delete';
  appId: string;
  messageId: string;
  msgType?: string;
  content?: unknown;
  rawContent?: string;
  at: number;
}

/** What the edit routes record: every change, and the edit count per message. */
export class MessageChanges {
  readonly list: MessageChange[] = [];
  private readonly edits = new Map<string, number>();

  count(messageId: string): number {
    return this.edits.get(messageId) ?? 0;
  }

  bump(messageId: string): void {
    this.edits.set(messageId, this.count(messageId) + 1);
  }
}

const ok = (data: Record<string, unknown> = {}): Reply => ({ status: 200, body: { code: 0, data, msg: 'success' } });

/** The bot's own message named by the path, not recalled. */
function ownMessage(ctx: RequestContext, deps: ApiDeps, app: AppState): StoredMessage {
  const m = deps.store.get(ctx.params.message_id);
  if (!m || m.appId !== app.appId) fail(invalidParam('invalid message_id'));
  if (m.recalled) fail(Codes.messageRecalled);
  return m;
}

function record(deps: ApiDeps, change: Omit<MessageChange, 'at'>): void {
  const c = { ...change, at: Date.now() };
  deps.changes.list.push(c);
  deps.onChange(c);
}

async function patchCard(ctx: RequestContext, deps: ApiDeps): Promise<Reply> {
  const app = await guard(ctx, deps, 'messagePatch');
  const m = ownMessage(ctx, deps, app);
  const b = (ctx.body ?? {}) as Record<string, unknown>;
  if (typeof b.content !== 'string' || !b.content) fail(fieldViolation('content', 'content is required'));
  if (m.msgType !== 'interactive') fail(invalidParam('the message is not a card'));
  const content = validateContent('interactive', b.content, deps.cardTableLimit());
  if ((content as { type?: unknown }).type === 'card')
    fail(invalidParam('invalid message content, ext=a card entity cannot be patched in'));
  m.rawContent = b.content;
  record(deps, { kind: 'patch', appId: app.appId, messageId: m.messageId, msgType: m.msgType, content, rawContent: b.content });
  return ok();
}

async function updateText(ctx: RequestContext, deps: ApiDeps): Promise<Reply> {
  const app = await guard(ctx, deps, 'messageUpdate');
  const m = ownMessage(ctx, deps, app);
  const b = (ctx.body ?? {}) as Record<string, unknown>;
  const msgType = b.msg_type;
  if (typeof msgType !== 'string' || !msgType) fail(fieldViolation('msg_type', 'msg_type is required'));
  if (typeof b.content !== 'string' || !b.content) fail(fieldViolation('content', 'content is required'));
  if ((m.msgType !== 'text' && m.msgType !== 'post') || (msgType !== 'text' && msgType !== 'post')) fail(Codes.notEditable);
  const content = validateContent(msgType, b.content, deps.cardTableLimit());
  if (deps.changes.count(m.messageId) >= MAX_EDITS) fail(Codes.editLimit);
  deps.changes.bump(m.messageId);
  m.msgType = msgType;
  m.rawContent = b.content;
  record(deps, { kind: 'update', appId: app.appId, messageId: m.messageId, msgType, content, rawContent: b.content });
  return ok({ ...messageData(m), updated: true });
}

async function recall(ctx: RequestContext, deps: ApiDeps): Promise<Reply> {
  const app = await guard(ctx, deps, 'messageDelete');
  const m = ownMessage(ctx, deps, app);
  deps.store.recall(m.messageId);
  record(deps, { kind: 'delete', appId: app.appId, messageId: m.messageId });
  return ok();
}

/** Registers the edit and recall routes. */
export function registerEditRoutes(router: Router, deps: ApiDeps): void {
  router.add('PATCH', '/open-apis/im/v1/messages/:message_id', (c) => patchCard(c, deps));
  router.add('PUT', '/open-apis/im/v1/messages/:message_id', (c) => updateText(c, deps));
  router.add('DELETE', '/open-apis/im/v1/messages/:message_id', (c) => recall(c, deps));
}

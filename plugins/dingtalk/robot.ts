import { DeliveryError, classifyFailure } from '../../core/plugin';
import type { DingTalkApi } from './api';
import { toDeliveryError } from './errors';
import type { Origin } from './inbound';
import type { RobotPiece } from './outbound';

interface BatchSendResult {
  processQueryKey?: string;
  invalidStaffIdList?: string[];
  flowControlledStaffIdList?: string[];
}

/**
 * Robot messages through the OpenAPI: `oToMessages/batchSend` to a user, `groupMessages/send` to a
 * group (both answer a `processQueryKey`, the message's id for recalls), and the recalls; or a
 * received message's `sessionWebhook`, which needs no permission but gives no id back.
 */
export class Robot {
  constructor(private readonly api: DingTalkApi) {}

  /** Sends one piece; returns its processQueryKey. */
  async send(to: Origin, piece: RobotPiece, signal: AbortSignal): Promise<string> {
    const base = { robotCode: this.api.robotCode, msgKey: piece.msgKey, msgParam: JSON.stringify(piece.msgParam) };
    if (to.type === 'group') {
      const r = await this.api.deliver<{ processQueryKey?: string }>(
        'send to the group',
        'POST',
        '/v1.0/robot/groupMessages/send',
        { ...base, openConversationId: to.conversation },
        signal,
      );
      return r.processQueryKey ?? '';
    }
    const r = await this.api.deliver<BatchSendResult>(
      'send to the user',
      'POST',
      '/v1.0/robot/oToMessages/batchSend',
      { ...base, userIds: [to.conversation] },
      signal,
    );
    // DingTalk answers 200 and lists the users it did not write to.
    if (r.invalidStaffIdList?.includes(to.conversation))
      throw toDeliveryError(
        { status: 200, code: 'invalidStaffId', message: `DingTalk has no user ${to.conversation}` },
        'send to the user',
      );
    if (r.flowControlledStaffIdList?.includes(to.conversation))
      throw toDeliveryError(
        { status: 200, code: 'flowControlled', message: `DingTalk holds back messages to ${to.conversation} for now` },
        'send to the user',
      );
    return r.processQueryKey ?? '';
  }

  /** Answers through a received message's session webhook (markdown or text). */
  async viaWebhook(url: string, piece: RobotPiece, signal: AbortSignal): Promise<void> {
    const body =
      piece.msgKey === 'sampleMarkdown'
        ? { msgtype: 'markdown', markdown: { title: piece.msgParam.title, text: piece.msgParam.text } }
        : piece.msgKey === 'sampleText'
          ? { msgtype: 'text', text: { content: piece.msgParam.content } }
          : undefined;
    if (!body) throw DeliveryError.permanent(`a session webhook takes text and markdown, not ${piece.msgKey}`, { code: 'E_UNSUPPORTED' });
    let res: Response;
    try {
      res = await this.api.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
      });
    } catch (err) {
      throw classifyFailure({ network: true }, `reply through the session webhook: no answer: ${(err as Error).message}`);
    }
    const r = (await res.json().catch(() => ({}))) as { errcode?: number; errmsg?: string };
    if (res.ok && r.errcode === 0) return;
    throw toDeliveryError(
      { status: res.status, ...(r.errcode !== undefined ? { code: r.errcode } : {}), message: r.errmsg ?? res.statusText },
      'reply through the session webhook',
    );
  }

  /** Recalls messages by their processQueryKeys; one DingTalk no longer knows counts as recalled. */
  async recall(where: Origin, keys: string[], signal: AbortSignal): Promise<void> {
    const group = where.type === 'group';
    const r = await this.api.deliver<{ successResult?: string[]; failedResult?: Record<string, string> }>(
      'recall',
      'POST',
      group ? '/v1.0/robot/groupMessages/recall' : '/v1.0/robot/otoMessages/batchRecall',
      { robotCode: this.api.robotCode, processQueryKeys: keys, ...(group ? { openConversationId: where.conversation } : {}) },
      signal,
    );
    const failed = Object.entries(r.failedResult ?? {}).filter(([, why]) => !/not found/i.test(why));
    if (failed.length)
      throw DeliveryError.permanent(`DingTalk did not recall ${failed.map(([k, why]) => `${k} (${why})`).join(', ')}`, {
        platformCode: 'recallFailed',
      });
  }
}

import type { Logger } from 'pino';
import type { OutboundEnvelope, Receipt } from '../contract/schemas';
import { DeliveryError } from '../errors';
import type { MediaStore } from '../media/store';
import type { ResolvedCapabilities } from '../plugin/capabilities';
import type { ChannelAdapter, MediaFile, SentMessage } from '../plugin/types';
import { prepareActions } from './actions';
import type { MessageRecord, Outbox, OutboxRecord } from './outbox';

/** One delivery attempt's context, as the worker gives it. */
export interface Attempt {
  attempt: number;
  signal: AbortSignal;
  sequence: number;
  /** The worker's term of sending (`SendInfo.term`). */
  term: number;
}

/** What an envelope did at the platform, and what to remember of it once its receipt is known. */
export interface Performed {
  messageIds: string[];
  /** A frame that was not sent because the platform shows only the final one. */
  superseded?: true;
  /** Writes what the outbox must remember; resolves when written. */
  commit(receipt: Receipt): Promise<void>;
}

/**
 * Carries out one validated outbound envelope with the adapter, once: a new message (a stream's first
 * frame included), an edit or a stream frame, a delete, a reaction or a typing indicator. What the
 * channel lacks is degraded as its capabilities say (a stream shown only by its final frame, buttons
 * as a numbered list) or refused with `E_UNSUPPORTED` saying what it can do instead.
 */
export class Operations {
  constructor(
    private readonly adapter: ChannelAdapter,
    private readonly caps: ResolvedCapabilities,
    private readonly outbox: Outbox,
    private readonly media: MediaStore | undefined,
    private readonly names: { channel: string; account: string },
    private readonly log: Logger,
  ) {}

  /** Does what `env` asks; `key` is its conversation queue (recorded for later edits). */
  async perform(env: OutboundEnvelope, key: string, at: Attempt): Promise<Performed> {
    if (env.react) return this.react(env, at);
    if (env.typing) return this.typing(env, at);
    if (env.delete !== undefined) return this.delete(env, env.delete, at);
    if (env.edit !== undefined) return this.edit(env, env.edit, at);
    return this.create(env, key, at);
  }

  private async create(env: OutboundEnvelope, key: string, at: Attempt): Promise<Performed> {
    const target = { ...(env.conversation ? { conversation: env.conversation.id } : {}), ...(env.replyTo ? { replyTo: env.replyTo } : {}) };
    if (env.stream && this.caps.streaming === 'none') {
      // Nothing to show until the final frame: it goes out then, as a normal message.
      const message: MessageRecord = { key, ...target, messageIds: [], streaming: true };
      return { messageIds: [], superseded: true, commit: (receipt) => this.outbox.put(env.id, { receipt, message }) };
    }
    const attachments = await this.attachments(env);
    const { envelope, buttons, stored } = await prepareActions(env, env.id, target.conversation, this.caps, this.outbox, this.names);
    const result = await this.adapter.send(envelope, { ...at, actions: buttons, attachments });
    const message: MessageRecord = {
      key,
      ...target,
      messageIds: result.messageIds,
      streaming: env.stream === true,
      ...(result.handle !== undefined ? { handle: result.handle } : {}),
      ...(stored.length ? { actions: stored } : {}),
    };
    return { messageIds: result.messageIds, commit: (receipt) => this.outbox.put(env.id, { receipt, message }) };
  }

  private async edit(env: OutboundEnvelope, targetId: string, at: Attempt): Promise<Performed> {
    const { record, message } = await this.target(targetId, 'edit');
    if (message.streaming && this.caps.streaming === 'none') {
      if (!env.done) return { messageIds: [], superseded: true, commit: (receipt) => this.outbox.put(env.id, { receipt }) };
      // The final frame of a stream the channel cannot show: one new message, under the stream's own id.
      const opened: OutboundEnvelope = {
        ...withoutFrame(env),
        id: targetId,
        ...(message.conversation ? { conversation: { id: message.conversation } } : {}),
        ...(message.replyTo ? { replyTo: message.replyTo } : {}),
      };
      const { envelope, buttons, stored } = await prepareActions(
        opened,
        targetId,
        message.conversation,
        this.caps,
        this.outbox,
        this.names,
      );
      const result = await this.adapter.send(envelope, { ...at, actions: buttons, attachments: [] });
      const updated: MessageRecord = {
        ...message,
        messageIds: result.messageIds,
        streaming: false,
        ...(result.handle !== undefined ? { handle: result.handle } : {}),
        ...(stored.length ? { actions: stored } : {}),
      };
      return { messageIds: result.messageIds, commit: (receipt) => this.commitBoth(env.id, receipt, targetId, record, updated) };
    }
    if (!message.streaming && !this.caps.edit) {
      throw DeliveryError.permanent(`${this.names.channel} cannot edit a message once sent: send a new message instead`, {
        code: 'E_UNSUPPORTED',
      });
    }
    const { envelope, buttons, stored } = await prepareActions(env, targetId, message.conversation, this.caps, this.outbox, this.names);
    const result = await this.adapter.edit!(envelope, sentMessage(targetId, message), { ...at, actions: buttons, attachments: [] });
    const handle = result && 'handle' in result ? result.handle : message.handle;
    const messageIds = (result && result.messageIds) ?? message.messageIds;
    const updated: MessageRecord = {
      ...message,
      messageIds,
      streaming: message.streaming && !env.done,
      ...(handle !== undefined ? { handle } : {}),
    };
    if (stored.length) updated.actions = stored;
    else delete updated.actions;
    return { messageIds, commit: (receipt) => this.commitBoth(env.id, receipt, targetId, record, updated) };
  }

  private async delete(env: OutboundEnvelope, targetId: string, at: Attempt): Promise<Performed> {
    const { record, message } = await this.target(targetId, 'delete');
    if (!this.caps.delete) throw DeliveryError.permanent(`${this.names.channel} cannot recall a sent message`, { code: 'E_UNSUPPORTED' });
    if (message.messageIds.length) await this.adapter.delete!(sentMessage(targetId, message), { ...at, actions: [], attachments: [] });
    const updated: MessageRecord = { ...message, deleted: true, streaming: false };
    delete updated.actions;
    return { messageIds: message.messageIds, commit: (receipt) => this.commitBoth(env.id, receipt, targetId, record, updated) };
  }

  private async react(env: OutboundEnvelope, at: Attempt): Promise<Performed> {
    if (!this.caps.reactions)
      throw DeliveryError.permanent(`${this.names.channel} has no reactions the bot can set`, { code: 'E_UNSUPPORTED' });
    const { messageId, emoji, remove } = env.react!;
    await this.adapter.react!({ messageId, emoji, remove: remove === true }, { ...at, actions: [], attachments: [] });
    return { messageIds: [], commit: (receipt) => this.outbox.put(env.id, { receipt }) };
  }

  private async typing(env: OutboundEnvelope, at: Attempt): Promise<Performed> {
    if (!this.caps.typing) throw DeliveryError.permanent(`${this.names.channel} shows no typing indicator`, { code: 'E_UNSUPPORTED' });
    const target = { ...(env.conversation ? { conversation: env.conversation.id } : {}), ...(env.replyTo ? { replyTo: env.replyTo } : {}) };
    await this.adapter.typing!(target, { ...at, actions: [], attachments: [] });
    return { messageIds: [], commit: (receipt) => this.outbox.put(env.id, { receipt }) };
  }

  /** The message an `edit` or `delete` names, or a permanent error saying why there is none. */
  private async target(id: string, op: 'edit' | 'delete'): Promise<{ record: OutboxRecord; message: MessageRecord }> {
    const record = await this.outbox.get(id).catch((err: Error) => {
      throw DeliveryError.retryable(`the outbox could not be read: ${err.message}`);
    });
    if (!record?.message || (record.message.messageIds.length === 0 && !record.message.streaming)) {
      throw DeliveryError.permanent(
        `"${op}": envelope "${id}" created no message on ${this.names.channel}/${this.names.account} that the gateway remembers (a wrong id, one that failed, or older than delivery.remember)`,
        { code: 'E_SCHEMA' },
      );
    }
    if (record.message.deleted)
      throw DeliveryError.permanent(`"${op}": the message of envelope "${id}" was deleted`, { code: 'E_UNSUPPORTED' });
    return { record, message: record.message };
  }

  /** The envelope's attachments from the media bucket, checked against what the channel takes. */
  private async attachments(env: OutboundEnvelope): Promise<MediaFile[]> {
    if (!env.attachments) return [];
    const kinds = this.caps.media.kinds;
    if (!this.media)
      throw DeliveryError.permanent('attachments need the media bucket, which this gateway has not opened', { code: 'E_UNSUPPORTED' });
    const files: MediaFile[] = [];
    for (const a of env.attachments) {
      if (!kinds.includes(a.kind)) {
        throw DeliveryError.permanent(
          `${this.names.channel} cannot send a ${a.kind}${kinds.length ? `; it sends ${kinds.join(', ')}` : ' or any file'}`,
          { code: 'E_UNSUPPORTED' },
        );
      }
      const file = await this.media.get(a.object).catch((err: Error) => {
        throw DeliveryError.retryable(`the media bucket could not be read: ${err.message}`);
      });
      if (!file)
        throw DeliveryError.permanent(`attachment "${a.object}" is not in the media bucket (never put, or expired after media.ttl)`, {
          code: 'E_SCHEMA',
        });
      const limit = this.caps.media.maxBytes[a.kind];
      if (limit !== undefined && file.size > limit) {
        throw DeliveryError.permanent(
          `attachment "${a.object}" is ${file.size} bytes; ${this.names.channel} takes a ${a.kind} of at most ${limit} bytes`,
          { code: 'E_TOO_LARGE' },
        );
      }
      files.push({ ...file, kind: a.kind, ...(a.mime ? { mime: a.mime } : {}), ...(a.name ? { name: a.name } : {}) });
    }
    return files;
  }

  /** The frame's own record (its receipt) and the message's new state, both written at once. */
  private async commitBoth(id: string, receipt: Receipt, targetId: string, target: OutboxRecord, message: MessageRecord): Promise<void> {
    await Promise.all([this.outbox.put(id, { receipt }), this.outbox.put(targetId, { ...target, message })]);
  }
}

function sentMessage(envelope: string, m: MessageRecord): SentMessage {
  return {
    envelope,
    messageIds: m.messageIds,
    streaming: m.streaming,
    ...(m.conversation ? { conversation: m.conversation } : {}),
    ...(m.replyTo ? { replyTo: m.replyTo } : {}),
    ...(m.handle !== undefined ? { handle: m.handle } : {}),
  };
}

/** A frame's content as a message of its own: no `edit`, no `done`. */
function withoutFrame(env: OutboundEnvelope): OutboundEnvelope {
  const copy = { ...env };
  delete copy.edit;
  delete copy.done;
  return copy;
}

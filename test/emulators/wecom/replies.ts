import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { parseCard } from './cards';
import { MediaStore } from './media';
import { CONTENT_LIMIT, type EmulatorOptions, type ErrName, type Frame, type Shown } from './types';
import type { PushOutcome, WeComEmulator } from './index';

/** A callback WeCom pushed: the req_id replies, welcome messages and card updates must carry. */
export interface Callback {
  botId: string;
  cmd: 'aibot_msg_callback' | 'aibot_event_callback';
  reqId: string;
  msgid: string;
  chat: string;
  user: string;
  eventtype?: string;
  taskId?: string;
  frame: Frame;
  pushedAt: number;
  pushes: number;
  delivered: boolean;
  replied: boolean;
  updated: boolean;
  streamId?: string;
  cardSent?: boolean;
  timer?: NodeJS.Timeout;
  done?: () => void;
}

type Handled = { err: ErrName; body?: Record<string, unknown> } | { unknown: true };
const fail = (err: ErrName): Handled => ({ err });
const OK: Handled = { err: 'ok' };
const MEDIA_TYPES = new Set(['image', 'file', 'voice', 'video']);
const bytes = (s: unknown) => Buffer.byteLength(typeof s === 'string' ? s : '');

/** Callbacks, and what the bot does with them and on its own: replies, streams, cards, proactive messages, uploads. */
export class Replies {
  private readonly callbacks = new Map<string, Callback>();
  private readonly byMsgid = new Map<string, Callback>();
  private readonly streams = new Map<string, Shown>();
  private readonly cards = new Map<string, Shown>();
  private readonly sent = new Map<string, number[]>();
  readonly shown: Shown[] = [];
  readonly faults: Array<{ cmd: string; err: ErrName }> = [];
  readonly media = new MediaStore();

  constructor(
    private readonly emu: WeComEmulator,
    private readonly opts: () => Required<EmulatorOptions>,
  ) {}

  close(): void {
    for (const cb of this.callbacks.values()) {
      clearTimeout(cb.timer);
      cb.done?.();
    }
  }

  card(botId: string, taskId: string): Shown | undefined {
    return this.cards.get(`${botId}:${taskId}`);
  }

  /** Pushes a callback; resolves once it was replied to or WeCom gave up on it (`wait: false`: once pushed). */
  push(
    botId: string,
    cmd: Callback['cmd'],
    body: Record<string, unknown>,
    where: { chat: string; user: string },
    wait = true,
  ): Promise<PushOutcome> {
    const reqId = `${cmd === 'aibot_msg_callback' ? 'cb' : 'evt'}_${this.emu.msgid()}`;
    const event = body.event as { eventtype?: string; task_id?: string } | undefined;
    const cb: Callback = {
      botId,
      cmd,
      reqId,
      msgid: String(body.msgid),
      ...where,
      ...(event?.eventtype ? { eventtype: event.eventtype } : {}),
      ...(event?.task_id ? { taskId: event.task_id } : {}),
      frame: { cmd, headers: { req_id: reqId }, body },
      pushedAt: Date.now(),
      pushes: 0,
      delivered: false,
      replied: false,
      updated: false,
    };
    this.callbacks.set(reqId, cb);
    this.byMsgid.set(cb.msgid, cb);
    const delivered = this.deliver(cb, cmd === 'aibot_msg_callback' ? this.opts().pushes : 1);
    if (wait) return delivered;
    return Promise.resolve({ msgid: cb.msgid, reqId, delivered: cb.delivered, replied: cb.replied, pushes: cb.pushes });
  }

  repush(msgid: string): Promise<PushOutcome> {
    const cb = this.byMsgid.get(msgid);
    if (!cb) throw new Error(`no callback with msgid ${msgid}`);
    clearTimeout(cb.timer);
    cb.done?.();
    return this.deliver(cb, 1);
  }

  /** An event whose answer is a card update: resolves once updated or the window passed. */
  async pushEvent(botId: string, body: Record<string, unknown>, where: { chat: string; user: string }) {
    const outcome = await this.push(botId, 'aibot_event_callback', body, where);
    const cb = this.callbacks.get(outcome.reqId)!;
    return { ...outcome, updated: cb.updated };
  }

  /** Pushes `cb` now and, while it gets no reply, again every `replyWindowMs`, `times` in all. */
  private deliver(cb: Callback, times: number): Promise<PushOutcome> {
    return new Promise((resolve) => {
      const outcome = (): PushOutcome => ({
        msgid: cb.msgid,
        reqId: cb.reqId,
        delivered: cb.delivered,
        replied: cb.replied,
        pushes: cb.pushes,
      });
      cb.done = () => {
        clearTimeout(cb.timer);
        cb.done = undefined;
        resolve(outcome());
      };
      const attempt = (left: number) => {
        cb.pushes++;
        if (this.emu.sendTo(cb.botId, cb.frame)) cb.delivered = true;
        cb.pushedAt = Date.now();
        cb.timer = setTimeout(
          () => {
            if (left > 1 && !cb.replied) attempt(left - 1);
            else cb.done?.();
          },
          cb.cmd === 'aibot_event_callback' ? this.opts().eventReplyWindowMs : this.opts().replyWindowMs,
        );
        cb.timer.unref();
      };
      attempt(times);
    });
  }

  handle(botId: string, cmd: string, reqId: string, body: Record<string, unknown>): Handled {
    const fault = this.faults.findIndex((f) => f.cmd === cmd);
    if (fault >= 0) return fail(this.faults.splice(fault, 1)[0]!.err);
    if (cmd !== 'aibot_upload_media_chunk' && !this.withinRate(botId)) return fail('rateLimited');
    switch (cmd) {
      case 'aibot_respond_msg':
        return this.respond(botId, reqId, body);
      case 'aibot_respond_welcome_msg':
        return this.welcome(botId, reqId, body);
      case 'aibot_respond_update_msg':
        return this.update(botId, reqId, body);
      case 'aibot_send_msg':
        return this.send(botId, reqId, body);
      case 'aibot_upload_media_init':
        return this.result(this.media.init(botId, body));
      case 'aibot_upload_media_chunk':
        return this.result(this.media.chunk(botId, body));
      case 'aibot_upload_media_finish':
        return this.result(this.media.finish(botId, body));
    }
    return { unknown: true };
  }

  private result(r: { ok: object } | { err: ErrName }): Handled {
    return 'ok' in r ? { err: 'ok', body: r.ok as Record<string, unknown> } : fail(r.err);
  }

  private withinRate(botId: string): boolean {
    const now = Date.now();
    const recent = (this.sent.get(botId) ?? []).filter((t) => now - t < 1000);
    recent.push(now);
    this.sent.set(botId, recent);
    return recent.length <= this.opts().maxFramesPerSecond;
  }

  private callback(botId: string, reqId: string, cmd: Callback['cmd'], eventtype?: string): Callback | undefined {
    const cb = this.callbacks.get(reqId);
    if (!cb || cb.botId !== botId || cb.cmd !== cmd || (eventtype && cb.eventtype !== eventtype)) return undefined;
    return cb;
  }

  private markReplied(cb: Callback): void {
    if (cb.replied) return;
    cb.replied = true;
    cb.done?.();
  }

  private respond(botId: string, reqId: string, body: Record<string, unknown>): Handled {
    const cb = this.callback(botId, reqId, 'aibot_msg_callback');
    if (!cb) return fail('invalidReqId');
    const type = String(body.msgtype ?? '');
    let r: Handled;
    if (type === 'stream' || type === 'stream_with_template_card') {
      r = this.stream(cb, body.stream as Record<string, unknown> | undefined);
      if ('err' in r && r.err === 'ok' && type === 'stream_with_template_card' && body.template_card)
        r = this.replyCard(cb, body.template_card);
    } else if (type === 'template_card') r = this.replyCard(cb, body.template_card);
    else if (MEDIA_TYPES.has(type)) r = this.mediaMessage(botId, cb.chat, reqId, type, body, cb.msgid);
    else r = fail('invalidParam');
    if ('err' in r && r.err === 'ok') this.markReplied(cb);
    return r;
  }

  private stream(cb: Callback, s: Record<string, unknown> | undefined): Handled {
    const id = s?.id;
    if (typeof id !== 'string' || !id) return fail('invalidParam');
    if (bytes(s!.content) > CONTENT_LIMIT) return fail('tooLong');
    if (cb.streamId && cb.streamId !== id) return fail('invalidParam');
    const key = `${cb.botId}:${id}`;
    let shown = this.streams.get(key);
    if (shown && (shown.answers !== cb.msgid || shown.finished)) return fail('invalidParam');
    if (shown && Date.now() - shown.openedAt! > this.opts().streamLimitMs) return fail('streamExpired');
    const images: Buffer[] = [];
    if (s!.msg_item !== undefined) {
      const items = s!.msg_item as Array<{ msgtype?: string; image?: { base64?: string; md5?: string } }>;
      if (!s!.finish || !Array.isArray(items) || items.length > 10) return fail('invalidParam');
      for (const it of items) {
        const data = Buffer.from(it.image?.base64 ?? '', 'base64');
        if (it.msgtype !== 'image' || !data.length || createHash('md5').update(data).digest('hex') !== it.image?.md5)
          return fail('invalidParam');
        if (data.length > 10 * 1024 * 1024) return fail('invalidSize');
        images.push(data);
      }
    }
    if (!shown) {
      shown = {
        botId: cb.botId,
        chat: cb.chat,
        kind: 'stream',
        id,
        content: '',
        answers: cb.msgid,
        finished: false,
        frames: 0,
        openedAt: Date.now(),
      };
      this.streams.set(key, shown);
      this.shown.push(shown);
      cb.streamId = id;
    }
    if (typeof s!.content === 'string') shown.content = s!.content;
    shown.frames!++;
    if (s!.finish === true) shown.finished = true;
    if (images.length) shown.images = images;
    return OK;
  }

  private replyCard(cb: Callback, raw: unknown): Handled {
    if (cb.cardSent) return fail('invalidParam');
    const r = this.newCard(cb.botId, cb.chat, cb.reqId, raw, cb.msgid);
    if ('err' in r && r.err === 'ok') cb.cardSent = true;
    return r;
  }

  private newCard(botId: string, chat: string, id: string, raw: unknown, answers?: string): Handled {
    const parsed = parseCard(raw);
    if ('err' in parsed) return fail(parsed.err);
    const card = parsed.card;
    if (card.taskId && this.cards.has(`${botId}:${card.taskId}`)) return fail('invalidParam');
    const shown: Shown = {
      botId,
      chat,
      kind: 'template_card',
      id,
      content: card.text ?? card.title ?? '',
      card,
      ...(answers ? { answers } : {}),
    };
    if (card.taskId) this.cards.set(`${botId}:${card.taskId}`, shown);
    this.shown.push(shown);
    return OK;
  }

  private welcome(botId: string, reqId: string, body: Record<string, unknown>): Handled {
    const cb = this.callback(botId, reqId, 'aibot_event_callback', 'enter_chat');
    if (!cb || Date.now() - cb.pushedAt > this.opts().eventReplyWindowMs || cb.replied) return fail('invalidReqId');
    const r =
      body.msgtype === 'text' && typeof (body.text as { content?: unknown })?.content === 'string'
        ? this.record(botId, cb.chat, reqId, String((body.text as { content: string }).content))
        : body.msgtype === 'template_card'
          ? this.newCard(botId, cb.chat, reqId, body.template_card)
          : fail('invalidParam');
    if ('err' in r && r.err === 'ok') this.markReplied(cb);
    return r;
  }

  private update(botId: string, reqId: string, body: Record<string, unknown>): Handled {
    const cb = this.callback(botId, reqId, 'aibot_event_callback', 'template_card_event');
    if (!cb || Date.now() - cb.pushedAt > this.opts().eventReplyWindowMs) return fail('invalidReqId');
    if (body.response_type !== 'update_template_card') return fail('invalidParam');
    const parsed = parseCard(body.template_card);
    if ('err' in parsed) return fail(parsed.err);
    const shown = this.cards.get(`${botId}:${cb.taskId}`);
    if (!shown || parsed.card.taskId !== cb.taskId) return fail('invalidParam');
    shown.card = parsed.card;
    shown.content = parsed.card.text ?? parsed.card.title ?? '';
    cb.updated = true;
    this.markReplied(cb);
    return OK;
  }

  private knownChat(botId: string, chat: unknown): chat is string {
    return typeof chat === 'string' && (this.emu.users.has(chat) || !!this.emu.groups.get(chat)?.has(botId));
  }

  private send(botId: string, reqId: string, body: Record<string, unknown>): Handled {
    if (!this.knownChat(botId, body.chatid)) return fail('invalidChat');
    const chat = body.chatid;
    const type = String(body.msgtype ?? '');
    if (type === 'markdown') {
      const content = (body.markdown as { content?: unknown } | undefined)?.content;
      if (typeof content !== 'string' || !content.trim()) return fail('invalidParam');
      if (bytes(content) > CONTENT_LIMIT) return fail('tooLong');
      return this.record(botId, chat, reqId, content);
    }
    if (type === 'template_card') return this.newCard(botId, chat, reqId, body.template_card);
    if (MEDIA_TYPES.has(type)) return this.mediaMessage(botId, chat, reqId, type, body);
    return fail('invalidParam');
  }

  private record(botId: string, chat: string, id: string, content: string): Handled {
    this.shown.push({ botId, chat, kind: 'markdown', id, content });
    return OK;
  }

  private mediaMessage(botId: string, chat: string, id: string, type: string, body: Record<string, unknown>, answers?: string): Handled {
    const m = this.media.get(botId, (body[type] as { media_id?: unknown } | undefined)?.media_id, type);
    if (!m) return fail('invalidMedia');
    this.shown.push({
      botId,
      chat,
      kind: type as Shown['kind'],
      id,
      content: '',
      media: { mediaId: String((body[type] as { media_id: string }).media_id), bytes: m.bytes, filename: m.filename },
      ...(answers ? { answers } : {}),
    });
    return OK;
  }
}

/**
 * DingTalkEmulator: a local DingTalk speaking Stream mode (WebSocket) and the OpenAPI (HTTP) to the
 * real `dingtalk-stream` SDK and to plain fetch calls. See README.md.
 */
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { closeServer, listenLocal } from '../shared/http';
import { ALL_SCOPES, handleHttp } from './openapi';
import { EmulatorState, id, type CardTemplate } from './state';
import type { AppInfo, AppOptions, CardState, EmulatorOptions, GroupInfo, Pushed, PushOutcome, SentMessage, UserInfo } from './types';

export * from './types';
export type { CardTemplate } from './state';

export const TOPIC_ROBOT = '/v1.0/im/bot/messages/get';
export const TOPIC_CARD = '/v1.0/card/instances/callback';

export interface MessageInput {
  robotCode: string;
  from: UserInfo;
  /** A group (its openConversationId); without: the sender's direct chat with the robot. */
  group?: string;
  /** Text of a `text` message (without the @mention of the robot). */
  text?: string;
  /** The robot is @mentioned (group messages reach a robot only then, unless it may read all). */
  atRobot?: boolean;
  msgtype?: 'text' | 'richText' | 'picture' | 'file' | 'audio' | 'video';
  /** `content` of a non-text message. */
  content?: Record<string, unknown>;
  /** Sent by the robot itself (DingTalk echoes them in some group setups). */
  fromRobot?: boolean;
  msgId?: string;
}

export class DingTalkEmulator extends EmulatorState {
  private server?: Server;
  private readonly sessions = new Map<string, { robotCode: string; conversation: string; expires: number }>();

  constructor(o: EmulatorOptions = {}) {
    super(o);
  }

  get apiUrl(): string {
    return this.url;
  }

  get protocolErrors() {
    return this.hub.protocolErrors;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.url?.startsWith('/robot/sendBySession')) return this.bySession(req.url, body, res);
        handleHttp(this, req, res, body).catch((err: Error) => res.writeHead(500).end(err.message));
      });
    });
    this.server.on('upgrade', (req, socket, head) => this.hub.handleUpgrade(req, socket, head));
    this.url = await listenLocal(this.server);
  }

  async stop(): Promise<void> {
    await this.hub.close();
    await closeServer(this.server);
  }

  addApp(o: AppOptions = {}): AppInfo {
    const clientId = id('ding', 12).replace(/[-_]/g, 'x').toLowerCase();
    const app = {
      clientId,
      clientSecret: randomBytes(24).toString('base64url'),
      robotCode: clientId,
      chatbotUserId: id('$:LWCP_v1:$', 16),
      corpId: id('ding', 8),
      name: o.name ?? 'Bot',
      scopes: new Set(o.scopes ?? ALL_SCOPES),
    };
    this.apps.set(clientId, app);
    const { scopes: _s, ...info } = app;
    return info;
  }

  addUser(o: { nick?: string; staffId?: string } = {}): UserInfo {
    const user = { staffId: o.staffId ?? `user${randomBytes(4).toString('hex')}`, senderId: id('$:LWCP_v1:$', 16), nick: o.nick ?? 'User' };
    this.users.set(user.staffId, user);
    return user;
  }

  addGroup(o: { title?: string; members: string[]; robots: string[]; openConversationId?: string }): GroupInfo {
    const group = {
      openConversationId: o.openConversationId ?? `cid${randomBytes(16).toString('base64')}`,
      title: o.title ?? 'Group',
      members: o.members,
      robots: o.robots,
    };
    this.groups.set(group.openConversationId, group);
    return group;
  }

  /** An AI card template made in the card platform: a streaming markdown variable and a button list. */
  addCardTemplate(o: Partial<CardTemplate> = {}): CardTemplate {
    const t = {
      id: o.id ?? `${randomBytes(8).toString('hex')}.schema`,
      contentKey: o.contentKey ?? 'content',
      buttonsKey: o.buttonsKey ?? 'buttons',
    };
    this.templates.set(t.id, t);
    return t;
  }

  /** A file someone posted: its downloadCode for the robot. */
  addFile(robotCode: string, data: Buffer, mime: string, name?: string): string {
    const file = id('f', 8);
    this.files.set(file, { data, mime, ...(name ? { name } : {}), expires: Date.now() + 3600_000 });
    const code = id('mIofN', 24);
    this.downloadCodes.set(code, { robotCode, file });
    return code;
  }

  /** A user writes to the robot: the robot message callback, pushed until acknowledged. */
  message(m: MessageInput): Pushed {
    const app = this.apps.get(m.robotCode)!;
    const group = m.group ? this.groups.get(m.group) : undefined;
    const conversationId =
      group?.openConversationId ?? `cid${Buffer.from(`${app.robotCode}:${m.from.staffId}`).toString('base64').slice(0, 22)}==`;
    const session = id('', 16);
    const expires = Date.now() + 90 * 60_000;
    this.sessions.set(session, { robotCode: app.robotCode, conversation: group ? group.openConversationId : m.from.staffId, expires });
    const msgtype = m.msgtype ?? 'text';
    const sender = m.fromRobot
      ? { senderId: app.chatbotUserId, senderNick: app.name }
      : { senderId: m.from.senderId, senderNick: m.from.nick, senderStaffId: m.from.staffId };
    const payload: Record<string, unknown> = {
      conversationId,
      ...(group && m.atRobot ? { atUsers: [{ dingtalkId: app.chatbotUserId }] } : {}),
      chatbotCorpId: app.corpId,
      chatbotUserId: app.chatbotUserId,
      msgId: m.msgId ?? `msg${randomBytes(16).toString('base64')}`,
      ...sender,
      isAdmin: false,
      sessionWebhookExpiredTime: expires,
      createAt: Date.now(),
      senderCorpId: app.corpId,
      conversationType: group ? '2' : '1',
      ...(group ? { conversationTitle: group.title, isInAtList: !!m.atRobot } : {}),
      sessionWebhook: `${this.url}/robot/sendBySession?session=${session}`,
      robotCode: app.robotCode,
      msgtype,
      ...(msgtype === 'text'
        ? { text: { content: group && m.atRobot ? ` ${m.text ?? ''}` : (m.text ?? '') } }
        : { content: m.content ?? {} }),
    };
    return this.hub.push(app.clientId, 'CALLBACK', TOPIC_ROBOT, payload);
  }

  redeliver(robotCode: string, pushed: Pushed): Promise<PushOutcome> {
    return this.hub.redeliver(this.apps.get(robotCode)!.clientId, pushed);
  }

  /** A user clicks the button labelled `label` on a card: the card callback. */
  click(outTrackId: string, user: UserInfo, label: string): Pushed {
    const card = this.cards.get(outTrackId);
    if (!card) throw new Error(`no card ${outTrackId}`);
    const button = card.buttons.find((b) => b.text === label);
    if (!button) throw new Error(`card ${outTrackId} has no button "${label}" (it has ${card.buttons.map((b) => b.text).join(', ')})`);
    const app = [...this.apps.values()].find((a) => a.robotCode === card.robotCode)!;
    const payload = {
      extension: '{}',
      corpId: app.corpId,
      userId: user.staffId,
      userIdType: 1,
      outTrackId,
      type: 'actionCallback',
      content: JSON.stringify({ cardPrivateData: { actionIds: ['cg_button'], params: { token: button.token } } }),
    };
    return this.hub.push(app.clientId, 'CALLBACK', TOPIC_CARD, payload);
  }

  /** Pushes an EVENT frame (event subscriptions of the app). */
  event(robotCode: string, eventType: string, payload: Record<string, unknown>): Pushed {
    const app = this.apps.get(robotCode)!;
    return this.hub.push(app.clientId, 'EVENT', eventType, payload, {
      eventType,
      eventId: id('', 16),
      eventBornTime: String(Date.now()),
      eventCorpId: app.corpId,
    });
  }

  async waitForConnections(clientId: string, n: number, timeoutMs = 10_000): Promise<void> {
    for (const until = Date.now() + timeoutMs; this.hub.connections(clientId).length < n; await new Promise((r) => setTimeout(r, 10))) {
      if (Date.now() > until)
        throw new Error(`${clientId} has ${this.hub.connections(clientId).length} Stream connections, not ${n}, after ${timeoutMs} ms`);
    }
  }

  /** Messages and cards the robot sent to `conversation` (a user's staffId or a group's openConversationId). */
  sentTo(conversation: string): SentMessage[] {
    return this.sent.filter((s) => s.conversation === conversation);
  }

  cardsIn(conversation: string): CardState[] {
    return [...this.cards.values()].filter((c) => c.conversation === conversation);
  }

  /** Session webhook: `POST /robot/sendBySession?session=...` with `{msgtype, text|markdown}`. */
  private bySession(url: string, body: Buffer, res: import('node:http').ServerResponse): void {
    const session = this.sessions.get(new URL(url, this.url).searchParams.get('session') ?? '');
    const answer = (b: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(b));
    if (!session || session.expires < Date.now()) return answer({ errcode: 300001, errmsg: 'session不存在或已过期' });
    let msg: { msgtype?: string; text?: { content?: string }; markdown?: { title?: string; text?: string } };
    try {
      msg = JSON.parse(body.toString('utf8')) as typeof msg;
    } catch {
      return answer({ errcode: 40035, errmsg: '缺少参数 json' });
    }
    const text = msg.msgtype === 'text' ? msg.text?.content : msg.msgtype === 'markdown' ? msg.markdown?.text : undefined;
    if (!text || (msg.msgtype === 'markdown' && !msg.markdown?.title)) return answer({ errcode: 40035, errmsg: '缺少参数 text' });
    this.sent.push({
      via: 'webhook',
      robotCode: session.robotCode,
      to: [session.conversation],
      conversation: session.conversation,
      msgKey: msg.msgtype === 'text' ? 'sampleText' : 'sampleMarkdown',
      msgParam: (msg.msgtype === 'text' ? msg.text : msg.markdown) as Record<string, unknown>,
      text,
      processQueryKey: '',
      recalled: false,
    });
    answer({ errcode: 0, errmsg: 'ok' });
  }
}

import { runConformance, type FailureKind, type InjectedMessage, type PlatformDriver, type ReceivedMessage } from '../../core/testing';
import dingtalk from '../../plugins/dingtalk';
import type { AppInfo, DingTalkEmulator, Pushed, UserInfo } from '../emulators/dingtalk';
import { EmulatorDriver } from '../support/conformance-driver';
import { startEmulator } from '../support/dingtalk';

/** DingTalk through its emulator: robot messages over Stream mode in, the robot OpenAPI and AI cards out. */
class DingTalkDriver extends EmulatorDriver<DingTalkEmulator, AppInfo> implements PlatformDriver {
  /** A direct conversation is the user's staff id; a group its openConversationId (`cid...`). */
  readonly ids = {
    conversation: (type: 'direct' | 'group', n: number) => (type === 'group' ? `cidconfgroup${n}==` : `confuser${n}`),
    sender: (n: number) => `confuser${n}`,
  };
  private template = '';
  private readonly pushed = new Map<string, Pushed>();

  /** The emulator, with the AI card template every app uses. */
  protected async startEmulator(): Promise<DingTalkEmulator> {
    const emu = await startEmulator();
    this.template = emu.addCardTemplate().id;
    return emu;
  }

  protected newApp(): AppInfo {
    return this.emu.addApp({ name: 'Conformance Bot' });
  }

  protected pluginOptions(app: AppInfo): Record<string, unknown> {
    return {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      apiUrl: this.emu.apiUrl,
      oapiUrl: this.emu.apiUrl,
      cardTemplateId: this.template,
    };
  }

  protected connected(app: AppInfo): Promise<void> {
    return this.emu.waitForConnections(app.clientId, 1);
  }

  private user(staffId: string): UserInfo {
    return this.emu.users.get(staffId) ?? this.emu.addUser({ staffId, nick: staffId });
  }

  private group(id: string): string {
    const g = this.emu.groups.get(id) ?? this.emu.addGroup({ openConversationId: id, title: id, members: [], robots: [] });
    if (!g.robots.includes(this.app.robotCode)) g.robots.push(this.app.robotCode);
    return g.openConversationId;
  }

  async inject(m: InjectedMessage): Promise<{ messageId: string }> {
    const msgId = `msg${m.id}==`;
    let pushed = this.pushed.get(m.id);
    const outcome = pushed
      ? this.emu.redeliver(this.app.robotCode, pushed)
      : (pushed = this.emu.message({
          robotCode: this.app.robotCode,
          from: this.user(m.sender.id),
          ...(m.conversation.type === 'group' ? { group: this.group(m.conversation.id) } : {}),
          text: m.text,
          atRobot: m.mentionsBot === true,
          msgId,
        })).outcome;
    this.pushed.set(m.id, pushed);
    if (!(await outcome).acked) throw new Error(`the plugin did not acknowledge message ${msgId}`);
    return { messageId: msgId };
  }

  async received(): Promise<ReceivedMessage[]> {
    const messages = this.emu.sent
      .filter((s) => s.robotCode === this.app.robotCode)
      .map((s) => ({
        conversationId: s.conversation,
        text: s.text,
        platformId: s.processQueryKey,
        ...(s.recalled ? { deleted: true } : {}),
      }));
    const cards = [...this.emu.cards.values()]
      .filter((c) => c.robotCode === this.app.robotCode)
      .map((c) => ({ conversationId: c.conversation, text: c.content, platformId: c.outTrackId, buttons: c.buttons.map((b) => b.text) }));
    return [...messages, ...cards];
  }

  failNext(kind: FailureKind, conversationId: string): void {
    const path = conversationId.startsWith('cid') ? '/v1.0/robot/groupMessages/send' : '/v1.0/robot/oToMessages/batchSend';
    if (kind === 'retryable') this.emu.failNext({ path, status: 403, code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi' });
    else this.emu.failNext({ path, status: 400, code: 'invalidParameter.robotCode.auth', message: '该应用appkey与机器人robotCode不匹配' });
  }

  async click(platformId: string, label: string, sender: number): Promise<void> {
    const outcome = await this.emu.click(platformId, this.user(this.ids.sender(sender)), label).outcome;
    if (!outcome.acked) throw new Error(`the plugin did not acknowledge the click on ${platformId}`);
  }
}

runConformance({ plugin: dingtalk, platform: new DingTalkDriver() });

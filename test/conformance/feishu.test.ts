import { runConformance, type FailureKind, type InjectedMessage, type PlatformDriver, type ReceivedMessage } from '../../core/testing';
import feishu from '../../plugins/feishu';
import type { FeishuEmulator, SchemaV2Event } from '../emulators/feishu';
import { EmulatorDriver } from '../support/conformance-driver';
import { newApp, startEmulator, type FeishuApp } from '../support/feishu';

/** Ids in Feishu's shapes: chats `oc_`, users `ou_`, messages `om_`, 32 hex digits after the prefix. */
const hexId = (prefix: string, kind: number, n: number) => `${prefix}${kind.toString(16)}${n.toString(16).padStart(31, '0')}`;

/** Feishu through its emulator: events over the long connection in, the message API out. */
class FeishuDriver extends EmulatorDriver<FeishuEmulator, FeishuApp> implements PlatformDriver {
  readonly ids = {
    conversation: (type: 'direct' | 'group', n: number) => hexId('oc_', type === 'direct' ? 0xd : 0xa, n),
    sender: (n: number) => hexId('ou_', 0xe, n),
  };
  private readonly events = new Map<string, SchemaV2Event>();

  protected startEmulator(): Promise<FeishuEmulator> {
    return startEmulator();
  }

  protected newApp(): FeishuApp {
    return newApp(this.emu);
  }

  protected pluginOptions(app: FeishuApp): Record<string, unknown> {
    return { appId: app.appId, appSecret: app.appSecret, domain: this.emu.url };
  }

  protected connected(app: FeishuApp): Promise<void> {
    return this.emu.waitForConnections(app.appId, 1);
  }

  async inject(m: InjectedMessage): Promise<{ messageId: string }> {
    const messageId = `om_${m.id}`;
    let event = this.events.get(m.id);
    const first = !event;
    if (!event) {
      const mention = m.mentionsBot ? [{ key: '@_user_1', openId: this.app.botOpenId, name: this.app.botName }] : undefined;
      event = this.emu.message({
        appId: this.app.appId,
        chatId: m.conversation.id,
        chatType: m.conversation.type === 'direct' ? 'p2p' : 'group',
        senderOpenId: m.sender.id,
        messageType: 'text',
        content: { text: mention ? `@_user_1 ${m.text}` : m.text },
        ...(mention ? { mentions: mention } : {}),
        messageId,
      });
      this.events.set(m.id, event);
    }
    const ack = first ? await this.emu.pushEvent(this.app.appId, event) : await this.emu.redeliver(event);
    if (ack.code !== 200) throw new Error(`the plugin answered the event with code ${ack.code}`);
    return { messageId };
  }

  async received(): Promise<ReceivedMessage[]> {
    // What the chat shows now: edits and recalls included.
    return this.emu.sent.map((s) => {
      const buttons = this.emu.buttons(s.messageId).map((b) => b.label);
      const deleted = this.emu.recalled(s.messageId);
      const content = this.emu.currentContent(s.messageId) ?? s.content;
      const entity = (content as { type?: string }).type === 'card';
      const text = entity ? (this.emu.shownText(s.messageId) ?? '') : textOf(content);
      return {
        conversationId: s.chatId,
        text,
        platformId: s.messageId,
        ...(buttons.length ? { buttons } : {}),
        ...(deleted ? { deleted } : {}),
      };
    });
  }

  /** A user clicks a card button: Feishu's `card.action.trigger` over the long connection; resolves once answered in time. */
  async click(platformId: string, label: string, sender: number): Promise<void> {
    const out = await this.emu.click({ appId: this.app.appId, messageId: platformId, label, operatorOpenId: this.ids.sender(sender) });
    if (out.code !== 0) throw new Error(`the card callback was answered with Feishu error ${out.code}`);
  }

  /** The kit addresses failing sends by conversation id: Feishu's create API. */
  failNext(kind: FailureKind): void {
    if (kind === 'retryable') this.emu.failNext({ api: 'create', code: 99991400, resetSeconds: 0 });
    else this.emu.failNext({ api: 'create', code: 230002 });
  }
}

function textOf(content: unknown): string {
  return typeof (content as { text?: unknown })?.text === 'string' ? (content as { text: string }).text : JSON.stringify(content);
}

runConformance({ plugin: feishu, platform: new FeishuDriver() });

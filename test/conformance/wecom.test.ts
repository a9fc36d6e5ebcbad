import { runConformance, type FailureKind, type InjectedMessage, type PlatformDriver, type ReceivedMessage } from '../../core/testing';
import wecom from '../../plugins/wecom';
import type { BotInfo, Shown, WeComEmulator } from '../emulators/wecom';
import { EmulatorDriver } from '../support/conformance-driver';
import { startEmulator } from '../support/wecom';

/**
 * WeCom through its emulator: the long connection in and out. A single chat is the user's id, a group
 * its chatid. A reply and the card with its buttons are one message to the user (stream_with_template_card).
 */
class WeComDriver extends EmulatorDriver<WeComEmulator, BotInfo> implements PlatformDriver {
  readonly ids = {
    conversation: (type: 'direct' | 'group', n: number) => (type === 'direct' ? this.ids.sender(n) : `wrconf${n}`),
    sender: (n: number) => `confuser${n}`,
  };
  private readonly msgids = new Map<string, string>();

  protected startEmulator(): Promise<WeComEmulator> {
    return startEmulator();
  }

  protected newApp(): BotInfo {
    return this.emu.addBot({ name: 'Conformance Bot' });
  }

  protected pluginOptions(bot: BotInfo): Record<string, unknown> {
    return { botId: bot.botId, secret: bot.secret, wsUrl: this.emu.wsUrl, heartbeatMs: 1000, streamPaceMs: 50 };
  }

  protected connected(bot: BotInfo): Promise<void> {
    return this.emu.waitForConnection(bot.botId);
  }

  async inject(m: InjectedMessage): Promise<{ messageId: string }> {
    const known = this.msgids.get(m.id);
    if (known) {
      await this.emu.repush(known);
      return { messageId: known };
    }
    const group = m.conversation.type === 'group' ? this.emu.addGroup([this.app.botId], m.conversation.id) : undefined;
    const out = await this.emu.say({
      botId: this.app.botId,
      user: m.sender.id,
      ...(group ? { chat: group } : {}),
      text: m.text,
      mention: !!m.mentionsBot,
    });
    this.msgids.set(m.id, out.msgid);
    return { messageId: out.msgid };
  }

  /** What the bot showed, as it shows now; a reply stream and the card sent with it are one message. */
  async received(): Promise<ReceivedMessage[]> {
    const shown = this.emu.shown().filter((s) => s.botId === this.app.botId);
    const cardOf = (s: Shown) =>
      shown.find((c) => c.kind === 'template_card' && c.answers && c.answers === s.answers && s.kind === 'stream');
    const out: ReceivedMessage[] = [];
    for (const s of shown) {
      if (s.kind === 'template_card' && s.answers) continue; // shown with its stream
      const card = s.kind === 'template_card' ? s : cardOf(s);
      out.push({
        conversationId: s.chat,
        text: [s.kind === 'template_card' ? '' : s.content, card?.card?.text ?? ''].filter(Boolean).join('\n'),
        platformId: card ? `${card.chat}:${card.card!.taskId}` : s.id,
        buttons: card?.card?.buttons.map((b) => b.text) ?? [],
      });
    }
    return out;
  }

  /** A click as WeCom reports it: template_card_event; resolves once the card was updated or WeCom's 5 s passed. */
  async click(platformId: string, label: string, sender: number): Promise<void> {
    const [chat, taskId] = platformId.split(':') as [string, string];
    const user = this.ids.sender(sender);
    void this.emu.click({ botId: this.app.botId, user, taskId, label, chat });
  }

  failNext(kind: FailureKind): void {
    if (kind === 'retryable') this.emu.failNext('aibot_send_msg', 'rateLimited');
    else this.emu.failNext('aibot_send_msg', 'invalidChat');
  }
}

runConformance({ plugin: wecom, platform: new WeComDriver(), title: 'wecom - conformance' });

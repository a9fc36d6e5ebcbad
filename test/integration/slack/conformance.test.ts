import { runConformance, type FailureKind, type InjectedMessage, type PlatformDriver, type ReceivedMessage } from '../../../core/testing';
import slack from '../../../plugins/slack';
import type { AppInfo, SlackEmulator } from '../../emulators/slack';
import { EmulatorDriver } from '../../support/conformance-driver';
import { startEmulator } from '../../support/slack';

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Slack through its emulator: Socket Mode in, the Web API out. DMs are D..., channels C..., users U.... */
class SlackDriver extends EmulatorDriver<SlackEmulator, AppInfo> implements PlatformDriver {
  readonly ids = {
    conversation: (type: 'direct' | 'group', n: number) => `${type === 'direct' ? 'D' : 'C'}0CONF${String(n).padStart(4, '0')}`,
    sender: (n: number) => `U0CONF${String(n).padStart(4, '0')}`,
  };
  private readonly events = new Map<string, { eventIds: string[]; messageId: string }>();

  protected startEmulator(): Promise<SlackEmulator> {
    return startEmulator();
  }

  protected newApp(): AppInfo {
    return this.emu.addApp({ name: 'Conformance Bot' });
  }

  protected pluginOptions(app: AppInfo): Record<string, unknown> {
    return { appToken: app.appToken, botToken: app.botToken, apiUrl: this.emu.apiUrl };
  }

  protected connected(app: AppInfo): Promise<void> {
    return this.emu.waitForConnections(app.appId, 1);
  }

  async inject(m: InjectedMessage): Promise<{ messageId: string }> {
    const known = this.events.get(m.id);
    if (known) {
      const outcomes = await Promise.all(known.eventIds.map((id) => this.emu.redeliver(id)));
      if (!outcomes.every((o) => o.acked)) throw new Error('the plugin did not acknowledge the redelivered event');
      return { messageId: known.messageId };
    }
    this.conversation(m);
    const text = m.mentionsBot ? `<@${this.app.botUserId}> ${m.text}` : m.text;
    const sent = this.emu.post({ channel: m.conversation.id, user: m.sender.id, text });
    const outcomes = await sent.deliveries;
    if (!outcomes.every((o) => o.acked)) throw new Error('the plugin did not acknowledge the event');
    const messageId = `${m.conversation.id}:${sent.ts}`;
    this.events.set(m.id, { eventIds: sent.eventIds, messageId });
    return { messageId };
  }

  /** What the bot posted, as the messages show now: edited text, current buttons, deleted ones marked. */
  async received(): Promise<ReceivedMessage[]> {
    return this.emu.posted.map((p) => {
      const now = this.emu.message(p.channel, p.ts);
      return {
        conversationId: p.channel,
        text: unescape(now?.text ?? p.text),
        platformId: `${p.channel}:${p.ts}`,
        buttons: now ? this.emu.buttons(p.channel, p.ts).map((b) => b.label) : [],
        ...(now ? {} : { deleted: true }),
      };
    });
  }

  /** A click as Slack reports it: block_actions over Socket Mode; resolves once the plugin acked it. */
  async click(platformId: string, label: string, sender: number): Promise<void> {
    const [channel, ts] = platformId.split(':') as [string, string];
    const user = this.ids.sender(sender);
    this.emu.addUser({ id: user, name: user.toLowerCase() });
    this.emu.addMember(channel, user);
    const { outcome } = this.emu.click({ channel, ts, user, label });
    if (!(await outcome).acked) throw new Error(`the plugin did not acknowledge the click on "${label}"`);
  }

  failNext(kind: FailureKind): void {
    if (kind === 'retryable') this.emu.failNext({ method: 'chat.postMessage', status: 429, retryAfter: 0 });
    else this.emu.failNext({ method: 'chat.postMessage', error: 'is_archived' });
  }

  /** The kit's conversation and sender, with this gateway's bot in it. */
  private conversation(m: InjectedMessage): void {
    this.emu.addUser({ id: m.sender.id, name: m.sender.name ?? m.sender.id });
    if (!this.emu.hasConversation(m.conversation.id)) {
      this.emu.addChannel({
        id: m.conversation.id,
        name: m.conversation.id.toLowerCase(),
        kind: m.conversation.type === 'direct' ? 'im' : 'public',
      });
    }
    this.emu.addMember(m.conversation.id, this.app.botUserId);
    this.emu.addMember(m.conversation.id, m.sender.id);
  }
}

runConformance({ plugin: slack, platform: new SlackDriver(), title: 'slack - conformance' });

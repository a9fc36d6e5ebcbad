import { runConformance, type FailureKind, type InjectedMessage, type PlatformDriver, type ReceivedMessage } from '../../core/testing';
import discord from '../../plugins/discord';
import type { AppInfo, DiscordEmulator } from '../emulators/discord';
import { EmulatorDriver } from '../support/conformance-driver';
import { startEmulator } from '../support/discord';

/** Snowflake-shaped ids: users 1..., DM channels 2..., guild channels 3..., 18 digits. */
const snowflake = (kind: number, n: number) => `${kind}${String(n).padStart(17, '0')}`;
/** What Discord shows for escaped plain text: the characters without their backslashes. */
const shown = (s: string) => s.replace(/\\([\\*_~`|>#.\-[\]()])/g, '$1');

/** Discord through its emulator: the gateway in, the HTTP API out. */
class DiscordDriver extends EmulatorDriver<DiscordEmulator, AppInfo> implements PlatformDriver {
  readonly ids = {
    conversation: (type: 'direct' | 'group', n: number) => snowflake(type === 'direct' ? 2 : 3, n),
    sender: (n: number) => snowflake(1, n),
  };
  /** The emulator's message id of each injected message, by the kit's id. */
  private readonly injected = new Map<string, { channel: string; id: string }>();

  protected startEmulator(): Promise<DiscordEmulator> {
    return startEmulator();
  }

  protected newApp(): AppInfo {
    return this.emu.addApp({ name: 'Conformance Bot' });
  }

  protected pluginOptions(app: AppInfo): Record<string, unknown> {
    return { token: app.token, apiUrl: this.emu.apiUrl };
  }

  protected connected(app: AppInfo): Promise<void> {
    return this.emu.waitForConnections(app.appId, 1);
  }

  /** Discord has no acknowledgement of dispatches: the kit's barriers prove what arrived. A redelivery is a replay of the dispatch. */
  async inject(m: InjectedMessage): Promise<{ messageId: string }> {
    const known = this.injected.get(m.id);
    if (known) {
      this.emu.replay(known.id);
      return { messageId: `${known.channel}:${known.id}` };
    }
    this.person(m.sender.id, m.sender.name);
    const channel = this.conversation(m);
    const content = m.mentionsBot ? `<@${this.app.botUserId}> ${m.text}` : m.text;
    const posted = this.emu.post({ channel, user: m.sender.id, content });
    this.injected.set(m.id, { channel, id: posted.id });
    return { messageId: `${channel}:${posted.id}` };
  }

  async received(): Promise<ReceivedMessage[]> {
    return [...this.emu.world.messages.values()]
      .filter((r) => r.appId)
      .map((r) => ({
        conversationId: r.message.channel_id,
        text: shown(r.message.content),
        platformId: `${r.message.channel_id}:${r.message.id}`,
        buttons: r.deleted ? [] : r.message.components.flatMap((row) => row.components.map((b) => b.label)),
        ...(r.deleted ? { deleted: true } : {}),
      }));
  }

  async click(platformId: string, label: string, sender: number): Promise<void> {
    const [channel, message] = platformId.split(':') as [string, string];
    const user = this.ids.sender(sender);
    this.person(user);
    const ch = this.emu.world.channels.get(channel)!;
    if (ch.guildId) this.emu.world.guilds.get(ch.guildId)!.members.add(user);
    const outcome = await this.emu.click({ message, user, label });
    if (!outcome.acked) throw new Error(`the plugin did not answer the click on "${label}" (${outcome.code})`);
  }

  failNext(kind: FailureKind): void {
    if (kind === 'retryable') this.emu.failNext({ route: 'POST /channels/:id/messages', status: 429, retryAfter: 0.2 });
    else this.emu.failNext({ route: 'POST /channels/:id/messages', status: 403, code: 50013, message: 'Missing Permissions' });
  }

  private person(id: string, name?: string): void {
    if (!this.emu.world.users.has(id)) this.emu.addUser({ id, name: name ?? `user-${id.slice(-4)}` });
  }

  /** The kit's conversation with this gateway's bot in it: a DM of the bot with the sender, or a guild channel. */
  private conversation(m: InjectedMessage): string {
    const id = m.conversation.id;
    const ch = this.emu.world.channels.get(id);
    if (m.conversation.type === 'direct') {
      this.emu.world.channels.set(id, { id, type: 1, recipient: m.sender.id, appId: this.app.appId });
      return id;
    }
    const guild = ch?.guildId ?? this.emu.addGuild({ name: `conf ${id}`, apps: [], members: [], channelIds: [id] }).id;
    const g = this.emu.world.guilds.get(guild)!;
    g.apps.add(this.app.appId);
    g.members.add(this.app.botUserId);
    g.members.add(m.sender.id);
    return id;
  }
}

runConformance({ plugin: discord, platform: new DiscordDriver(), title: 'discord - conformance' });

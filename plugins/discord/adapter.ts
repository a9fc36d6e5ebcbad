import { BoundedMap, Context, DeliveryError, InstanceHttp, Options, Pacer, StartError, inject, injectable } from '../../core/plugin';
import type * as plugin from '../../core/plugin';
import { DiscordApi } from './api';
import { GatewayConnection, type BotIdentity, type Dispatch } from './connection';
import { Deferred } from './deferred';
import { messageIdOf } from './ids';
import { skipReason, toDraft, type ApiMessage } from './inbound';
import {
  InteractionType,
  botMemberDraft,
  eventDraft,
  interactionDraft,
  noteOf,
  type ApiInteraction,
  type GuildNote,
} from './inbound-events';
import { Media } from './media';
import { Messages } from './messages';
import type { DiscordOptions } from './options';
import { addressOf } from './outbound';
import { react } from './reactions';
import { Typing } from './typing';

/** Interaction callback types: 5 "thinking…" (a command's answer follows), 6 DEFERRED_UPDATE_MESSAGE (a click, the message stays). */
const Callback = { Message: 4, Deferred: 5, DeferredUpdate: 6 } as const;
/** Ephemeral: only the person who ran the command sees the answer. */
const EPHEMERAL = 64;

/**
 * One Discord bot on the gateway (no public URL needed). Start: login (GET /gateway/bot, Identify with
 * the intents), READY names the bot. Messages, clicks, slash commands, reactions, deletions and
 * membership changes are published in gateway order; an interaction is answered only after it is
 * stored (within Discord's 3 s). Discord has no acknowledgement for other dispatches: after a drop the
 * client RESUMEs and Discord replays what was missed; dedup by message id (or `<session>.<seq>`) absorbs replays.
 *
 * Out: messages with nonces (`enforce_nonce`), 2,000-character pieces, buttons as components, edits
 * and streams by editing the pieces (paced by Discord's bucket headers and `streamPaceMs`), deletes,
 * reactions, typing, files both ways.
 */
@injectable()
export class DiscordAdapter implements plugin.ChannelAdapter {
  private readonly http = new InstanceHttp();
  private connection?: GatewayConnection;
  private api?: DiscordApi;
  private messages?: Messages;
  private indicator?: Typing;
  private media?: Media;
  private bot: BotIdentity = { userId: '', applicationId: '', name: '' };
  private readonly deferred = new Deferred();
  /** Authors of messages seen, for MESSAGE_DELETE (which does not say whose it was). */
  private readonly authors = new BoundedMap<string, string>(10_000);
  private readonly guilds = new Map<string, GuildNote>();
  /** Guilds READY listed: their GUILD_CREATE is the start, not the bot being added. */
  private readonly initialGuilds = new Set<string>();

  constructor(
    @inject(Context) private readonly ctx: plugin.PluginContext,
    @inject(Options) private readonly options: DiscordOptions,
  ) {}

  async start(): Promise<void> {
    this.connection = new GatewayConnection(this.options, this.ctx, this.ctx.logger, this.http.fetch);
    const api = (this.api = new DiscordApi(this.connection.client.rest));
    this.messages = new Messages(api, this.deferred, new Pacer(1, this.options.streamPaceMs));
    this.indicator = new Typing(api, this.ctx.logger);
    this.media = new Media(api, this.http.fetch, this.options.maxUploadBytes);
    this.bot = await this.connection.open((d) => this.onDispatch(d));
    if (this.options.commands.length) await this.registerCommands();
  }

  /** The configured slash commands, each with its one optional text option (`text`) when it takes `args`. */
  private async registerCommands(): Promise<void> {
    const commands = this.options.commands.map((c) => ({
      type: 1,
      name: c.name,
      description: c.description,
      ...(c.args ? { options: [{ type: 3, name: 'text', description: c.args, required: false }] } : {}),
    }));
    try {
      await this.api!.setCommands(this.bot.applicationId, commands);
    } catch (err) {
      throw new StartError(`registering the slash commands failed: ${(err as Error).message}`, 'check the commands option', { cause: err });
    }
    this.ctx.logger.info({ commands: this.options.commands.map((c) => c.name) }, 'Discord slash commands registered');
  }

  async stop(): Promise<void> {
    this.indicator?.close();
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
    this.http.close();
  }

  async send(env: plugin.OutboundEnvelope, info: plugin.SendInfo): Promise<plugin.SendResult> {
    const to = addressOf(env);
    this.indicator!.clear(to.channel);
    const files = info.attachments.length ? await this.media!.files(info.attachments) : [];
    const handle = await this.messages!.post(env, info, to, files);
    return { messageIds: Messages.idsOf(handle), handle };
  }

  edit(env: plugin.OutboundEnvelope, target: plugin.SentMessage, info: plugin.SendInfo): Promise<plugin.EditResult> {
    return this.messages!.edit(env, target, info);
  }

  delete(target: plugin.SentMessage): Promise<void> {
    return this.messages!.delete(target);
  }

  react(reaction: plugin.ReactionRequest): Promise<void> {
    return react(this.api!, reaction);
  }

  async typing(target: { conversation?: string; replyTo?: string }): Promise<void> {
    const to = addressOf({
      ...(target.conversation ? { conversation: { id: target.conversation } } : {}),
      ...(target.replyTo ? { replyTo: target.replyTo } : {}),
    });
    await this.indicator!.show(to.channel);
  }

  fetchMedia(request: plugin.MediaRequest, info: { signal: AbortSignal }): Promise<plugin.MediaDownload> {
    return this.media!.download(request, info.signal);
  }

  private async onDispatch(x: Dispatch): Promise<void> {
    switch (x.t) {
      case 'READY':
        for (const g of (x.d.guilds as Array<{ id: string }>) ?? []) this.initialGuilds.add(g.id);
        return;
      case 'MESSAGE_CREATE':
        return this.onMessage(x.d as unknown as ApiMessage);
      case 'INTERACTION_CREATE':
        return this.onInteraction(x.d as unknown as ApiInteraction);
      case 'GUILD_CREATE':
        return this.onGuild(x, true);
      case 'GUILD_DELETE':
        return this.onGuild(x, false);
    }
    const draft = eventDraft(x, {
      botUserId: this.bot.userId,
      authorOf: (id) => this.authors.get(id),
      guild: (id) => this.guilds.get(id),
    });
    if (typeof draft === 'string') this.ctx.logger.debug({ event: x.t }, `Discord event skipped: ${draft}`);
    else await this.ctx.publish(draft);
  }

  private async onMessage(m: ApiMessage): Promise<void> {
    const skip = skipReason(m, this.bot);
    if (skip) return this.ctx.logger.debug({ channel: m.channel_id, message: m.id }, `Discord message skipped: ${skip}`);
    this.authors.set(messageIdOf(m.channel_id, m.id), m.author.id);
    await this.ctx.publish(toDraft(m, this.bot));
  }

  /**
   * Publishes a click or a slash command, then answers Discord: a click with "update, nothing changes"
   * (6), a stored command with "thinking…" (5, the agent's next message there fills it in), a command
   * refused by access rules or not published by this instance with a short ephemeral answer. When NATS
   * cannot store it, no answer: Discord shows the person that the interaction failed.
   */
  private async onInteraction(i: ApiInteraction): Promise<void> {
    const draft = interactionDraft(i);
    if (typeof draft === 'string') return this.ctx.logger.debug({ interaction: i.id }, `Discord interaction skipped: ${draft}`);
    const result = await this.ctx.publish(draft);
    const answer = async (body: { type: number; data?: unknown }) => {
      await this.api!.interactionCallback(i.id, i.token, body).catch((err: DeliveryError) => {
        // 40060: already answered (a replay after RESUME); 10062: answered too late or expired.
        if (err.platformCode === 40060) return;
        this.ctx.logger.warn({ interaction: i.id, platformCode: err.platformCode }, `Discord interaction not answered: ${err.message}`);
      });
    };
    if (i.type === InteractionType.Component) return answer({ type: Callback.DeferredUpdate });
    const published = result.outcome === 'stored' || result.outcome === 'duplicate';
    if (!published)
      return answer({
        type: Callback.Message,
        data: { content: `This command is not available here (${result.reason ?? result.outcome}).`, flags: EPHEMERAL },
      });
    await answer({ type: Callback.Deferred });
    if (result.outcome === 'stored')
      this.deferred.note(i.channel_id!, { applicationId: i.application_id ?? this.bot.applicationId, token: i.token });
  }

  private async onGuild(x: Dispatch, created: boolean): Promise<void> {
    const g = x.d as {
      id: string;
      unavailable?: boolean;
      joined_at?: string;
      system_channel_id?: string | null;
      owner_id?: string;
      channels?: Array<{ id: string; type: number }>;
    };
    if (created) {
      this.guilds.set(g.id, noteOf(g));
      if (this.initialGuilds.has(g.id)) return;
      this.initialGuilds.add(g.id);
    } else if (g.unavailable) return this.ctx.logger.warn({ guild: g.id }, 'Discord guild unavailable (an outage at Discord)');
    const note = this.guilds.get(g.id) ?? {};
    if (!created) {
      this.guilds.delete(g.id);
      this.initialGuilds.delete(g.id);
    }
    const key = created ? `guild.${g.id}.added.${g.joined_at ?? x.s}` : `${x.session}.${x.s}`;
    const draft = botMemberDraft(created ? 'bot_added' : 'bot_removed', key, note, this.bot.userId);
    if (typeof draft === 'string') this.ctx.logger.debug({ guild: g.id }, `Discord guild event skipped: ${draft}`);
    else await this.ctx.publish(draft);
  }
}

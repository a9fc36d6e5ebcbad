import type { REST, RawFile } from '@discordjs/rest';
import { Routes } from 'discord.js';
import type { ApiMessage } from './inbound';
import { describeFailure, toDeliveryError } from './errors';

/** The body of a message create or edit, in API field names. */
export interface MessageBody {
  content?: string;
  components?: unknown[];
  nonce?: string;
  enforce_nonce?: boolean;
  message_reference?: { message_id: string; fail_if_not_exists: boolean };
  allowed_mentions?: { parse: string[]; replied_user: boolean };
  attachments?: Array<{ id: number; filename: string }>;
  [key: string]: unknown;
}

/**
 * The HTTP API calls the channel makes, through discord.js's `REST` (`client.rest`): its per-route
 * buckets pace the calls by Discord's rate-limit headers; a failure becomes the `DeliveryError` core
 * retries or reports.
 */
export class DiscordApi {
  constructor(private readonly rest: REST) {}

  createMessage(channel: string, body: MessageBody, files: RawFile[] = [], signal?: AbortSignal): Promise<ApiMessage> {
    return this.call('create message', () =>
      this.rest.post(Routes.channelMessages(channel), { body, ...(files.length ? { files } : {}), ...(signal ? { signal } : {}) }),
    );
  }

  editMessage(channel: string, id: string, body: MessageBody, signal?: AbortSignal): Promise<ApiMessage> {
    return this.call('edit message', () => this.rest.patch(Routes.channelMessage(channel, id), { body, ...(signal ? { signal } : {}) }));
  }

  async deleteMessage(channel: string, id: string): Promise<void> {
    await this.call('delete message', () => this.rest.delete(Routes.channelMessage(channel, id)));
  }

  getMessage(channel: string, id: string, signal?: AbortSignal): Promise<ApiMessage> {
    return this.call('get message', () => this.rest.get(Routes.channelMessage(channel, id), signal ? { signal } : {}));
  }

  async react(channel: string, id: string, emoji: string, remove: boolean): Promise<void> {
    const route = Routes.channelMessageOwnReaction(channel, id, encodeURIComponent(emoji));
    await this.call(remove ? 'remove reaction' : 'add reaction', () => (remove ? this.rest.delete(route) : this.rest.put(route)));
  }

  async typing(channel: string): Promise<void> {
    await this.call('typing', () => this.rest.post(Routes.channelTyping(channel)));
  }

  /** Answers an interaction (POST /interactions/:id/:token/callback): no bot token, the interaction token is the proof. */
  async interactionCallback(id: string, token: string, body: { type: number; data?: unknown }): Promise<void> {
    await this.call('interaction callback', () => this.rest.post(Routes.interactionCallback(id, token), { body, auth: false }));
  }

  /** Fills in a deferred slash-command answer (PATCH /webhooks/:application/:token/messages/@original). */
  editOriginal(applicationId: string, token: string, body: MessageBody, files: RawFile[] = []): Promise<ApiMessage> {
    return this.call('answer slash command', () =>
      this.rest.patch(Routes.webhookMessage(applicationId, token, '@original'), { body, auth: false, ...(files.length ? { files } : {}) }),
    );
  }

  /** Replaces the application's global slash commands (PUT /applications/:id/commands). */
  async setCommands(applicationId: string, commands: unknown[]): Promise<void> {
    await this.call('register slash commands', () => this.rest.put(Routes.applicationCommands(applicationId), { body: commands }));
  }

  private async call<T>(what: string, fn: () => Promise<unknown>): Promise<T> {
    try {
      return (await fn()) as T;
    } catch (err) {
      throw toDeliveryError(describeFailure(err), what);
    }
  }
}

import { ALL_MESSAGE_FEATURES, definePlugin, everyMediaKind } from '../../core/plugin';
import { DiscordAdapter } from './adapter';
import { DEFAULT_MAX_UPLOAD } from './media';
import { optionsSchema, tokenProblems } from './options';

/**
 * The Discord channel: the gateway in (no public URL needed), the HTTP API out, through discord.js.
 * Streams by editing the message at Discord's pace, edits, deletes, buttons, slash commands, reactions,
 * typing, files both ways, and the events of docs/discord.md.
 */
export default definePlugin({
  name: 'discord',
  apiVersion: '1.2',
  options: optionsSchema,
  adapter: DiscordAdapter,
  secrets: ['token'],
  validate: tokenProblems,
  capabilities: {
    ...ALL_MESSAGE_FEATURES,
    streaming: 'edit',
    media: everyMediaKind(DEFAULT_MAX_UPLOAD),
    events: ['action', 'command', 'reaction', 'member', 'recall'],
  },
});

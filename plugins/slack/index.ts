import { ALL_MESSAGE_FEATURES, definePlugin, everyMediaKind } from '../../core/plugin';
import { SlackAdapter } from './adapter';
import { MAX_FILE_BYTES } from './media';
import { optionsSchema, tokenProblems } from './options';

/**
 * The Slack channel: Socket Mode in (no public URL needed), Web API out. Streams natively
 * (`chat.startStream` in the thread answered, `chat.update` where it cannot), edits, deletes, Block Kit
 * buttons, reactions, typing, files both ways, and the events of docs/slack.md.
 */
export default definePlugin({
  name: 'slack',
  apiVersion: '1.2',
  options: optionsSchema,
  adapter: SlackAdapter,
  secrets: ['appToken', 'botToken'],
  validate: tokenProblems,
  capabilities: {
    ...ALL_MESSAGE_FEATURES,
    media: everyMediaKind(MAX_FILE_BYTES),
    events: ['action', 'command', 'reaction', 'member', 'recall'],
  },
});

import { ALL_MESSAGE_FEATURES, definePlugin, everyMediaKind } from '../../core/plugin';
import { WebchatAdapter } from './adapter';
import { optionsSchema } from './options';

/**
 * A chat widget served by the gateway itself: a page and a WebSocket, one conversation per visitor
 * (signed by the embedding site, or anonymous). Bubbles stream live, are edited and deleted, carry
 * buttons and files; the page shows a typing indicator and the bot's reactions on visitor messages.
 */
export default definePlugin({
  name: 'webchat',
  apiVersion: '1.2',
  options: optionsSchema,
  adapter: WebchatAdapter,
  secrets: ['token', 'identitySecret'],
  capabilities: {
    ...ALL_MESSAGE_FEATURES,
    media: everyMediaKind(),
    events: ['action'],
  },
});

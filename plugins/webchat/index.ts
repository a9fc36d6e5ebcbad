import { definePlugin } from '../../core/plugin';
import { WebchatAdapter } from './adapter';
import { optionsSchema } from './options';

/** A chat widget served by the gateway itself: a page and a WebSocket, one conversation per visitor. */
export default definePlugin({
  name: 'webchat',
  apiVersion: 1,
  options: optionsSchema,
  adapter: WebchatAdapter,
  secrets: ['token'],
});

import { definePlugin } from 'chat-gateway/plugin';
import { LineChatAdapter } from './adapter';
import { optionsSchema } from './options';

/**
 * linechat: a channel for the line-based TCP chat of server.ts. The template for a third-party
 * channel plugin: copy this folder, rename the package and the channel, replace the protocol.
 */
export default definePlugin({
  name: 'linechat',
  apiVersion: '1.0',
  options: optionsSchema,
  secrets: ['password'],
  adapter: LineChatAdapter,
});

export { LineChatAdapter, type LineChatOptions } from './adapter';

import { definePlugin } from 'chat-gateway/plugin';
import { LineChatAdapter } from './adapter';

/**
 * linechat: a channel for the line-based TCP chat of server.ts. The template for a third-party
 * channel plugin: copy this folder, rename the package and the channel, replace the protocol.
 */
export default definePlugin({
  name: 'linechat',
  apiVersion: '1.0',
  options: {
    type: 'object',
    properties: {
      host: { type: 'string', default: '127.0.0.1', description: 'host of the linechat server' },
      port: { type: 'integer', minimum: 1, maximum: 65535, description: 'TCP port of the linechat server' },
      name: {
        type: 'string',
        pattern: '^[A-Za-z0-9_.-]{1,64}$',
        default: 'bot',
        description: 'the name the bot says HELLO with; users write @<name> to mention it',
      },
      password: { type: 'string', default: '', description: 'the server password, if it has one' },
    },
    required: ['port'],
  },
  secrets: ['password'],
  adapter: LineChatAdapter,
});

export { LineChatAdapter, type LineChatOptions } from './adapter';

import { Type } from 'chat-gateway/plugin';

/** The plugin's own keys of a YAML entry; `LineChatOptions` (adapter.ts) is its type, defaults filled in. */
export const optionsSchema = Type.Object({
  host: Type.String({ default: '127.0.0.1', description: 'host of the linechat server' }),
  port: Type.Integer({ minimum: 1, maximum: 65535, description: 'TCP port of the linechat server' }),
  name: Type.String({
    pattern: '^[A-Za-z0-9_.-]{1,64}$',
    default: 'bot',
    description: 'the name the bot says HELLO with; users write @<name> to mention it',
  }),
  password: Type.String({ default: '', description: 'the server password, if it has one' }),
});

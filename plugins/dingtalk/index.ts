import { ALL_MESSAGE_FEATURES, definePlugin, everyMediaKind } from '../../core/plugin';
import { DingTalkAdapter } from './adapter';
import { MAX_UPLOAD_BYTES } from './media';
import { optionProblems, optionsSchema } from './options';

/**
 * The DingTalk channel: Stream mode in (a WebSocket the app opens: no public URL), the robot OpenAPI
 * out. Streams and buttons as AI cards (with a card template), recalls, files both ways; what
 * DingTalk lacks (editing a sent message, reactions through this API, typing) is declared absent.
 */
export default definePlugin({
  name: 'dingtalk',
  apiVersion: '1.2',
  options: optionsSchema,
  adapter: DingTalkAdapter,
  secrets: ['clientSecret'],
  validate: optionProblems,
  capabilities: {
    ...ALL_MESSAGE_FEATURES,
    reactions: false,
    typing: false,
    media: everyMediaKind(MAX_UPLOAD_BYTES),
    events: ['action'],
  },
});

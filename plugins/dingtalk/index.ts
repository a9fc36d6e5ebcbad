import { definePlugin } from '../../core/plugin';
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
    streaming: 'native',
    edit: true,
    delete: true,
    actions: { max: 10 },
    media: {
      kinds: ['image', 'file', 'audio', 'video'],
      maxBytes: { image: MAX_UPLOAD_BYTES, file: MAX_UPLOAD_BYTES, audio: MAX_UPLOAD_BYTES, video: MAX_UPLOAD_BYTES },
    },
    events: ['action'],
  },
});

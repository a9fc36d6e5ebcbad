import { definePlugin, everyMediaKind } from '../../core/plugin';
import { WeComAdapter } from './adapter';
import { MAX_BUTTONS } from './cards';
import { LIMITS } from './media';
import { optionsSchema } from './options';

/**
 * The WeCom (企业微信) smart bot channel: the long connection of API mode (no public URL needed) through
 * `@wecom/aibot-node-sdk`. Replies stream natively on the received message's req_id; messages of
 * their own are markdown; buttons are template cards whose clicks come back as actions; files both
 * ways. What WeCom cannot do (edit or recall a sent message, reactions, typing) is declared absent.
 */
export default definePlugin({
  name: 'wecom',
  apiVersion: '1.2',
  options: optionsSchema,
  adapter: WeComAdapter,
  secrets: ['secret'],
  capabilities: {
    streaming: 'native',
    edit: true,
    delete: false,
    actions: { max: MAX_BUTTONS },
    reactions: false,
    typing: false,
    media: everyMediaKind({ image: LIMITS.image, file: LIMITS.file, audio: LIMITS.file, video: LIMITS.video }),
    events: ['action', 'member'],
  },
});

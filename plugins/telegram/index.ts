import { ALL_MESSAGE_FEATURES, definePlugin, everyMediaKind, type OptionProblem } from '../../core/plugin';
import { TelegramAdapter } from './adapter';
import { UPLOAD_LIMITS } from './media';
import { TOKEN_PATTERN, optionsSchema } from './options';

/**
 * The Telegram channel: Bot API long polling in (works behind NAT), sendMessage out. Streams natively
 * (drafts in private chats, one edited message in groups), edits, deletes, inline keyboard buttons,
 * reactions, typing, files both ways, commands and the bot's membership changes (docs/telegram.md).
 */
export default definePlugin({
  name: 'telegram',
  apiVersion: '1.2',
  options: optionsSchema,
  adapter: TelegramAdapter,
  secrets: ['token'],
  capabilities: {
    ...ALL_MESSAGE_FEATURES,
    media: everyMediaKind(UPLOAD_LIMITS),
    events: ['action', 'command', 'reaction', 'member'],
  },
  validate: (o) => {
    const problems: OptionProblem[] = [];
    if (!TOKEN_PATTERN.test(o.token)) {
      // Never echo the value: it may be a real token with a typo.
      problems.push({
        key: 'token',
        message: 'not a Telegram bot token',
        hint: 'copy the token @BotFather gave you (/mybots → API Token): the bot id, a colon, then 35 letters, digits, _ or -, e.g. 123456789:AAE...',
      });
    }
    if (!o.allowedUpdates.includes('message')) {
      problems.push({
        key: 'allowedUpdates',
        message: 'allowedUpdates must include "message"',
        hint: 'without it no new message reaches the gateway; use ["message"] or ["message", "edited_message"]',
      });
    }
    return problems;
  },
});

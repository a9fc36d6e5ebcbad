import { definePlugin, type OptionProblem } from '../../core/plugin';
import { TelegramAdapter } from './adapter';
import { TOKEN_PATTERN, optionsSchema } from './options';

/** The Telegram channel: Bot API long polling in (works behind NAT), sendMessage out. */
export default definePlugin({
  name: 'telegram',
  apiVersion: '1.1',
  options: optionsSchema,
  adapter: TelegramAdapter,
  secrets: ['token'],
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

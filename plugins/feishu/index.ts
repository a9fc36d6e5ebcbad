import { ALL_MESSAGE_FEATURES, definePlugin, everyMediaKind, type OptionProblem } from '../../core/plugin';
import { FeishuAdapter } from './adapter';
import { FILE_LIMIT, IMAGE_LIMIT } from './media';
import { APP_ID_PATTERN, optionsSchema } from './options';

/** The Feishu / Lark channel: long connection (or webhook) in, IM message API out; answers stream as CardKit cards. */
export default definePlugin({
  name: 'feishu',
  apiVersion: '1.2',
  options: optionsSchema,
  adapter: FeishuAdapter,
  secrets: ['appSecret', 'encryptKey', 'verificationToken'],
  capabilities: {
    ...ALL_MESSAGE_FEATURES,
    media: everyMediaKind({ image: IMAGE_LIMIT, file: FILE_LIMIT, audio: FILE_LIMIT, video: FILE_LIMIT }),
    events: ['action', 'reaction', 'member', 'recall'],
  },
  validate: (o) => {
    const problems: OptionProblem[] = [];
    if (!new RegExp(APP_ID_PATTERN).test(o.appId)) {
      problems.push({
        key: 'appId',
        message: `"${o.appId}" is not a Feishu app id`,
        hint: 'copy the App ID from Credentials & Basic Info: cli_ followed by 16 hex characters (the SDK silently refuses any other value)',
      });
    }
    if (o.mode === 'webhook' && !o.verificationToken && !o.encryptKey) {
      problems.push({
        key: 'mode',
        message: 'webhook mode needs verificationToken or encryptKey to tell Feishu requests from forged ones',
        hint: 'copy them from Events & Callbacks > Encryption Strategy',
      });
    }
    return problems;
  },
});

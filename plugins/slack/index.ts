import { definePlugin } from '../../core/plugin';
import { SlackAdapter } from './adapter';
import { optionsSchema, tokenProblems } from './options';

/** The Slack channel: Socket Mode in (no public URL needed), Web API out. */
export default definePlugin({
  name: 'slack',
  apiVersion: '1.1',
  options: optionsSchema,
  adapter: SlackAdapter,
  secrets: ['appToken', 'botToken'],
  validate: tokenProblems,
});

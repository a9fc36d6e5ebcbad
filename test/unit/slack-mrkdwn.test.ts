import { markdownToMrkdwn } from '../../plugins/slack/mrkdwn';
import cases from './cases/slack-mrkdwn.json';

// Each case: agent markdown and the Slack mrkdwn a reader gets (emphasis, escaping, links, lists, code, tables).
test.each(cases)('slack mrkdwn - $what', ({ markdown, mrkdwn }) => {
  expect(markdownToMrkdwn(markdown)).toBe(mrkdwn);
});

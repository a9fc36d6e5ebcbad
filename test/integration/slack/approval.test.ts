import { startApprovalAgent } from '../../../examples/approval-agent';
import { eventually } from '../../support';
import { slackRig } from './rig';

const rig = slackRig();
let stopAgent: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopAgent?.();
  stopAgent = undefined;
});

test('slack approval - the approval agent asks "Deploy?" with two buttons; a click edits that message to "Approved by Tom"', async () => {
  const r = await rig.boot();
  const lines: string[] = [];
  stopAgent = await startApprovalAgent({ servers: rig.t.nats.url, prefix: r.prefix, log: (l) => lines.push(l) });
  const asked = r.emu.post({ channel: r.ws.channel, user: r.ws.tom.id, text: `<@${r.ws.app.botUserId}> deploy the api` });
  const question = await r.emu.waitForPost((p) => p.appId === r.ws.app.appId && p.text === 'Deploy?', 10_000);
  expect(question.threadRoot).toBe(asked.ts);
  expect(r.emu.buttons(question.channel, question.ts).map((b) => [b.label, b.style])).toEqual([
    ['Approve', 'primary'],
    ['Reject', 'danger'],
  ]);
  const click = r.emu.click({ channel: question.channel, ts: question.ts, user: r.ws.tom.id, label: 'Approve' });
  expect(await click.outcome).toMatchObject({ acked: true, attempts: 1 });
  await eventually(() => r.emu.message(question.channel, question.ts)?.text === 'Approved by Tom', 'the card edited to the verdict');
  expect(r.emu.buttons(question.channel, question.ts)).toEqual([]);
  expect(r.posts()).toHaveLength(1);
  // The agent logs once the edit's receipt is back.
  await eventually(() => lines.includes('approved by Tom in slack/default'), 'the agent log line');
});

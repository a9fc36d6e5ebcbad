import { AgentClient, type AgentClientOptions } from '../core/agent';

/**
 * An agent that asks before it acts: to "deploy" it answers "Deploy?" with two buttons, and when one
 * is clicked it edits that very message to "Approved by <name>" (or "Rejected by"), buttons gone. On a
 * channel without buttons the question comes with a numbered list instead, and the agent takes "1"
 * or "2" as the answer. Resolves to a function that stops it.
 */
export async function startApprovalAgent(
  options: AgentClientOptions & { log?: (line: string) => void } = {},
): Promise<() => Promise<void>> {
  const log = options.log ?? console.log;
  const agent = await AgentClient.connect(options);
  /** The question sent to each conversation, for channels that answer with "1" or "2". */
  const asked = new Map<string, { channel: string; account: string; envelope: string }>();
  const messages = await agent.onMessage(async (msg) => {
    const text = msg.message.text.trim().toLowerCase();
    const open = asked.get(`${msg.channel}/${msg.account}/${msg.conversation.id}`);
    if (open && (text === '1' || text === '2')) {
      asked.delete(`${msg.channel}/${msg.account}/${msg.conversation.id}`);
      await agent.reply(msg, `${text === '1' ? 'Approved' : 'Rejected'} by ${msg.sender.name ?? msg.sender.id}`);
      return;
    }
    if (!text.includes('deploy')) return;
    const receipt = await agent.reply(msg, {
      text: 'Deploy?',
      actions: [
        { id: 'approve', label: 'Approve', style: 'primary', value: msg.message.text },
        { id: 'reject', label: 'Reject', style: 'danger' },
      ],
    });
    asked.set(`${msg.channel}/${msg.account}/${msg.conversation.id}`, {
      channel: msg.channel,
      account: msg.account,
      envelope: receipt.id!,
    });
    log(`asked ${msg.sender.name ?? msg.sender.id} in ${msg.channel}/${msg.account}`);
  });
  const actions = await agent.onAction(async (action) => {
    const who = action.sender.name ?? action.sender.id;
    const verdict = action.action.id === 'approve' ? 'Approved' : 'Rejected';
    asked.delete(`${action.channel}/${action.account}/${action.conversation.id}`);
    await agent.edit(action, `${verdict} by ${who}`);
    log(`${verdict.toLowerCase()} by ${who} in ${action.channel}/${action.account}`);
  });
  log('approval agent listening: say "deploy" to it');
  return async () => {
    await messages.stop();
    await actions.stop();
    await agent.close();
  };
}

if (require.main === module) {
  startApprovalAgent({ prefix: process.env.CHAT_PREFIX || 'chat' }).then(
    (stop) => {
      const quit = () => void stop().then(() => console.log('approval agent stopped'));
      process.once('SIGINT', quit);
      process.once('SIGTERM', quit);
    },
    (err: Error) => {
      console.error(err.message);
      process.exitCode = 1;
    },
  );
}

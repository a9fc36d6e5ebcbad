import { AgentClient, type AgentClientOptions } from '../core/agent';

/**
 * Starts an agent that answers every inbound message with `echo: <text>` and logs one line per
 * message. Resolves to a function that stops it cleanly.
 */
export async function startEchoAgent(options: AgentClientOptions & { log?: (line: string) => void } = {}): Promise<() => Promise<void>> {
  const log = options.log ?? console.log;
  const agent = await AgentClient.connect(options);
  const sub = await agent.onMessage(async (msg) => {
    log(`${msg.channel}/${msg.account} ${msg.sender.name ?? msg.sender.id}: ${msg.message.text}`);
    await agent.reply(msg, { text: `echo: ${msg.message.text}`, format: 'markdown' });
  });
  log(`echo agent listening on ${agent.subjects.in('*', '*')}`);
  return async () => {
    await sub.stop();
    await agent.close();
  };
}

if (require.main === module) {
  startEchoAgent({ prefix: process.env.CHAT_PREFIX || 'chat' }).then(
    (stop) => {
      const quit = () => void stop().then(() => console.log('echo agent stopped'));
      process.once('SIGINT', quit);
      process.once('SIGTERM', quit);
    },
    (err: Error) => {
      console.error(err.message);
      process.exitCode = 1;
    },
  );
}

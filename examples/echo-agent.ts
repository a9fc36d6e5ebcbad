import { AgentClient, type AgentClientOptions, type InboundEnvelope } from '../core/agent';

/** Words of a streamed answer come this far apart, so the stream is visible in the browser. */
const STREAM_WORD_MS = 120;

/**
 * Starts an agent that answers every inbound message and logs one line per message:
 * - `echo: <text>` for a plain message;
 * - `/stream <text>`: the answer streams in word by word (one message that fills in);
 * - an image or a file: its size and type, read from the media bucket;
 * - `/file`: a small generated CSV as an attachment.
 * Resolves to a function that stops it cleanly.
 */
export async function startEchoAgent(options: AgentClientOptions & { log?: (line: string) => void } = {}): Promise<() => Promise<void>> {
  const log = options.log ?? console.log;
  const agent = await AgentClient.connect(options);
  const sub = await agent.onMessage(async (msg) => {
    log(`${msg.channel}/${msg.account} ${msg.sender.name ?? msg.sender.id}: ${msg.message.text}`);
    await answer(agent, msg);
  });
  log(`echo agent listening on ${agent.subjects.in('*', '*')}`);
  return async () => {
    await sub.stop();
    await agent.close();
  };
}

async function answer(agent: AgentClient, msg: InboundEnvelope): Promise<void> {
  const text = msg.message.text.trim();
  const media = msg.message.parts.find((p) => 'ref' in p && p.type !== 'sticker');
  if (media && 'ref' in media) {
    try {
      const file = await agent.download(msg, media);
      await agent.reply(
        msg,
        `got ${media.type === 'image' ? 'an image' : `a ${media.type}`}${file.name ? ` "${file.name}"` : ''}: ${file.size} bytes, ${file.mime}`,
      );
    } catch (err) {
      await agent.reply(msg, `could not read the ${media.type}: ${(err as Error).message}`);
    }
    return;
  }
  if (text.startsWith('/stream')) {
    const words = (text.slice('/stream'.length).trim() || 'This answer arrives word by word, in one message that fills in.').split(/\s+/);
    const s = agent.stream(msg, { format: 'markdown' });
    let sofar = '';
    for (const word of words) {
      sofar += `${sofar ? ' ' : ''}${word}`;
      s.update(sofar);
      await new Promise((r) => setTimeout(r, STREAM_WORD_MS));
    }
    await s.done(`echo: ${sofar}`);
    return;
  }
  if (text === '/file') {
    const csv = `n,square\n${Array.from({ length: 10 }, (_, i) => `${i + 1},${(i + 1) ** 2}`).join('\n')}\n`;
    const attachment = await agent.upload(Buffer.from(csv), { name: 'squares.csv', mime: 'text/csv' });
    await agent.reply(msg, { text: 'here is a file', attachments: [attachment] });
    return;
  }
  await agent.reply(msg, { text: `echo: ${msg.message.text}`, format: 'markdown' });
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

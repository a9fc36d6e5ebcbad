import { connect, type Socket } from 'node:net';
import { BoundedMap, Context, DeliveryError, Options, chunkText, inject, injectable, markdownToPlain, sleep } from 'chat-gateway/plugin';
import type * as plugin from 'chat-gateway/plugin';
import { optionsSchema } from './options';
import { format, readServerLines, type Line } from './protocol';

/** Options of a `use: chat-gateway-plugin-linechat` entry, as the schema in options.ts fills them in. */
export type LineChatOptions = plugin.OptionsOf<typeof optionsSchema>;

/** The server takes lines up to 8 KiB: leave room for the command and escapes. */
const MAX_TEXT_BYTES = 4000;
const MAX_REMEMBERED = 10_000;

/**
 * One bot on a linechat server: a TCP client that says HELLO, publishes every message delivered to it
 * and acknowledges it only once core stored it, and sends answers as MSG lines. A lost connection is
 * reported and reopened with backoff until the instance stops.
 */
@injectable()
export class LineChatAdapter implements plugin.ChannelAdapter {
  private socket?: Socket;
  /** Answers to our MSG lines come back in order: one waiter per line in flight. */
  private waiting: Array<{ resolve: (id: string) => void; reject: (err: Error) => void }> = [];
  /** Message id → conversation, so an answer that only names `replyTo` finds where to go. */
  private readonly conversations = new BoundedMap<string, string>(MAX_REMEMBERED);
  private stopped = false;

  constructor(
    @inject(Context) private readonly ctx: plugin.PluginContext,
    @inject(Options) private readonly options: LineChatOptions,
  ) {}

  async start(): Promise<void> {
    await this.connect();
    this.ctx.status('connected', `${this.options.name}@${this.options.host}:${this.options.port}`);
  }

  async send(env: plugin.OutboundEnvelope): Promise<plugin.SendResult> {
    if (env.native) throw DeliveryError.permanent('linechat has no native messages; send text', { code: 'E_UNSUPPORTED' });
    const conversation = env.conversation?.id ?? this.conversations.get(env.replyTo!);
    if (!conversation)
      throw DeliveryError.permanent(`replyTo "${env.replyTo}" is not a message this bot received; set conversation.id`, {
        code: 'E_SCHEMA',
      });
    const text = env.format === 'markdown' ? markdownToPlain(env.text ?? '') : (env.text ?? '');
    const messageIds: string[] = [];
    for (const piece of chunkText(text, MAX_TEXT_BYTES)) messageIds.push(await this.request(format.msg(conversation, piece)));
    return { messageIds };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }

  /** Opens the connection and says HELLO; resolves on WELCOME, rejects with what went wrong. */
  private connect(): Promise<void> {
    const { host, port, name, password } = this.options;
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      let welcomed = false;
      socket.once('connect', () => socket.write(format.hello(name, password)));
      readServerLines(socket, (line) => {
        if (!welcomed && line.cmd === 'WELCOME') {
          welcomed = true;
          // A reconnect that finished after stop() must not leave a connection behind.
          if (this.stopped) return void socket.destroy();
          this.socket = socket;
          resolve();
        } else if (!welcomed && line.cmd === 'ERR') {
          reject(
            new Error(
              line.code === 401
                ? `the linechat server refused ${name}'s password (option password)`
                : `the linechat server refused HELLO: ${line.reason}`,
            ),
          );
        } else this.onLine(line);
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (!welcomed) reject(new Error(`cannot reach the linechat server at ${host}:${port}: ${err.code ?? err.message}`));
      });
      socket.on('close', () => {
        if (!welcomed) return reject(new Error(`the linechat server at ${host}:${port} closed the connection`));
        this.onClose(socket);
      });
    });
  }

  private onLine(line: Line): void {
    if (line.cmd === 'OK') this.waiting.shift()?.resolve(line.id);
    else if (line.cmd === 'ERR') this.waiting.shift()?.reject(deliveryError(line.code, line.reason));
    else if (line.cmd === 'DELIVER') void this.onMessage(line);
  }

  private async onMessage(m: Extract<Line, { cmd: 'DELIVER' }>): Promise<void> {
    const group = m.conversation.startsWith('#');
    try {
      await this.ctx.publish({
        messageId: m.id,
        conversation: { id: m.conversation, type: group ? 'group' : 'direct' },
        sender: { id: m.sender },
        parts: [{ type: 'text', text: m.text }],
        mentioned: group && m.text.split(/\s+/).includes(`@${this.options.name}`),
      });
    } catch (err) {
      // Not stored (NATS is down): no ACK, so the server delivers it again when we reconnect.
      this.ctx.logger.warn({ id: m.id, err: (err as Error).message }, 'linechat message not stored; it will come again');
      return;
    }
    this.conversations.set(m.id, m.conversation);
    this.socket?.write(format.ack(m.id));
  }

  private request(line: string): Promise<string> {
    const socket = this.socket;
    if (!socket || socket.destroyed) return Promise.reject(DeliveryError.retryable('not connected to the linechat server'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      socket.write(line);
    });
  }

  /** The connection dropped: fail what was in flight (core retries it), report it, and reconnect. */
  private onClose(socket: Socket): void {
    if (this.socket === socket) this.socket = undefined;
    for (const w of this.waiting.splice(0)) w.reject(DeliveryError.retryable('connection to the linechat server lost'));
    if (this.stopped) return;
    this.ctx.status('reconnecting', 'connection lost');
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    for (let delay = 100; !this.stopped; delay = Math.min(delay * 2, 5000)) {
      try {
        await sleep(delay, this.ctx.signal);
        await this.connect();
        this.ctx.status('connected', 'reconnected');
        return;
      } catch (err) {
        if (this.ctx.signal.aborted) return;
        this.ctx.logger.warn({ err: (err as Error).message, retryInMs: delay * 2 }, 'linechat reconnect failed');
      }
    }
  }
}

/** The server's codes, HTTP-like: 429 and 5xx may pass on a retry; other 4xx will not. */
function deliveryError(code: number, reason: string): DeliveryError {
  const message = `linechat refused the message: ${code} ${reason}`;
  if (code === 429 || code >= 500) return DeliveryError.retryable(message, { platformCode: code, rateLimited: code === 429 });
  return DeliveryError.permanent(message, { platformCode: code, ...(code === 413 ? { code: 'E_TOO_LARGE' as const } : {}) });
}

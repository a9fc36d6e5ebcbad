import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { NAME, format, parseLine, type Line } from './protocol';

/** A message the server accepted. `to` is `#room` or a user's name. */
export interface ChatMessage {
  id: string;
  from: string;
  to: string;
  text: string;
}

const MAX_LINE = 8192;

/**
 * The linechat server: the "platform" the plugin template connects to, small enough to read in one go
 * and run in tests. Every client is in every `#room`; a direct message goes to every connection of
 * the named user. A delivery stays pending until the recipient ACKs it and is delivered again when the
 * recipient connects again, or when a test calls `redeliver`.
 */
export class LineChatServer extends EventEmitter {
  /** Every message accepted, in order. */
  readonly messages: ChatMessage[] = [];
  private readonly server: Server;
  private readonly clients = new Map<string, Set<Socket>>();
  private readonly pending = new Map<string, Map<string, ChatMessage>>();
  private readonly acks = new Map<string, string[]>();
  private readonly failures = new Map<string, Array<{ code: number; reason: string }>>();
  private counter = 0;

  constructor(private readonly options: { password?: string } = {}) {
    super();
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Listens on 127.0.0.1 (a free port by default) and resolves with the port. */
  async start(port = 0): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return this.port;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    for (const sockets of this.clients.values()) for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next MSG from `sender` is refused with `ERR <code> <reason>`. */
  failNext(sender: string, code: number, reason: string): void {
    this.failures.set(sender, [...(this.failures.get(sender) ?? []), { code, reason }]);
  }

  /** Delivers message `id` again to its recipients, as if its acknowledgment had been lost. */
  redeliver(id: string): void {
    const m = this.messages.find((x) => x.id === id);
    if (!m) throw new Error(`no message ${id}`);
    for (const name of this.recipients(m)) this.deliver(name, m);
  }

  /** How many times `by` acknowledged message `id`. */
  ackCount(id: string, by: string): number {
    return (this.acks.get(id) ?? []).filter((n) => n === by).length;
  }

  /** Drops every connection of `name` (a network failure); the client may connect again. */
  disconnect(name: string): void {
    for (const s of this.clients.get(name) ?? []) s.destroy();
  }

  private accept(socket: Socket): void {
    let name = '';
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.clients.get(name)?.delete(socket));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_LINE && !buffer.includes('\n')) {
        buffer = '';
        socket.write(format.err(413, 'line too long'));
      }
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        name = this.handle(socket, name, line);
      }
    });
  }

  /** Handles one line from a client; returns the client's name (empty until HELLO). */
  private handle(socket: Socket, name: string, line: string): string {
    const cmd = parseLine(line, false);
    if (!name) return this.hello(socket, cmd);
    if (cmd?.cmd === 'ACK') {
      this.pending.get(name)?.delete(cmd.id);
      this.acks.set(cmd.id, [...(this.acks.get(cmd.id) ?? []), name]);
      this.emit('ack', cmd.id, name);
    } else if (cmd?.cmd === 'MSG' && NAME.test(cmd.conversation)) {
      this.send(socket, name, cmd.conversation, cmd.text);
    } else {
      socket.write(format.err(400, `cannot understand: ${line.slice(0, 40)}`));
    }
    return name;
  }

  private hello(socket: Socket, cmd: Line | undefined): string {
    if (cmd?.cmd !== 'HELLO' || !NAME.test(cmd.name) || cmd.name.startsWith('#')) {
      socket.write(format.err(400, 'say HELLO <name> first'));
      return '';
    }
    if (this.options.password && cmd.password !== this.options.password) {
      socket.end(format.err(401, 'wrong password'));
      return '';
    }
    this.clients.set(cmd.name, (this.clients.get(cmd.name) ?? new Set()).add(socket));
    socket.write(format.welcome());
    for (const m of this.pending.get(cmd.name)?.values() ?? [])
      socket.write(format.deliver(m.id, this.seenAs(m, cmd.name), m.from, m.text));
    return cmd.name;
  }

  private send(socket: Socket, from: string, to: string, text: string): void {
    const failure = this.failures.get(from)?.shift();
    if (failure) {
      socket.write(format.err(failure.code, failure.reason));
      return;
    }
    const m: ChatMessage = { id: `m${++this.counter}`, from, to, text };
    this.messages.push(m);
    socket.write(format.ok(m.id));
    this.emit('message', m);
    for (const r of this.recipients(m)) this.deliver(r, m);
  }

  private recipients(m: ChatMessage): string[] {
    return m.to.startsWith('#') ? [...this.clients.keys()].filter((n) => n !== m.from && this.clients.get(n)!.size > 0) : [m.to];
  }

  /** A direct message shows the other user's name as its conversation. */
  private seenAs(m: ChatMessage, recipient: string): string {
    return m.to.startsWith('#') || m.to !== recipient ? m.to : m.from;
  }

  private deliver(recipient: string, m: ChatMessage): void {
    const pending = this.pending.get(recipient) ?? new Map<string, ChatMessage>();
    this.pending.set(recipient, pending.set(m.id, m));
    for (const s of this.clients.get(recipient) ?? []) s.write(format.deliver(m.id, this.seenAs(m, recipient), m.from, m.text));
  }
}

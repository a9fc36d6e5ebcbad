import { connect, type Socket } from 'node:net';
import { format, readServerLines, type Line } from '../protocol';

/** A person on the linechat server, as tests drive one: says HELLO, sends messages, sees what arrives. */
export class LineChatUser {
  /** Messages delivered to this user. */
  readonly inbox: Array<Extract<Line, { cmd: 'DELIVER' }>> = [];
  private waiting: Array<{ resolve: (id: string) => void; reject: (err: Error) => void }> = [];

  private constructor(private readonly socket: Socket) {}

  static connect(port: number, name: string, password = ''): Promise<LineChatUser> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      const user = new LineChatUser(socket);
      socket.once('error', reject);
      socket.once('connect', () => socket.write(format.hello(name, password)));
      readServerLines(socket, (line) => {
        if (line.cmd === 'WELCOME') resolve(user);
        else if (line.cmd === 'OK') user.waiting.shift()?.resolve(line.id);
        else if (line.cmd === 'ERR') user.waiting.shift()?.reject(new Error(`${line.code} ${line.reason}`));
        else if (line.cmd === 'DELIVER') {
          user.inbox.push(line);
          socket.write(format.ack(line.id));
        }
      });
    });
  }

  /** Sends to `#room` or a user; resolves with the message id the server gave it. */
  say(conversation: string, text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(format.msg(conversation, text));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }
}

import { runConformance, type FailureKind, type InjectedMessage, type PlatformDriver, type ReceivedMessage } from 'chat-gateway/testing';
import linechat from '../index';
import { LineChatServer } from '../server';
import { LineChatUser } from './user';

const BOT = 'bot';

/** The linechat server in this process; people are TCP clients of it. */
class LineChatDriver implements PlatformDriver {
  readonly supports = { groups: true, failures: ['retryable', 'permanent'] as FailureKind[] };
  /** A direct conversation, from the bot's side, is the other user's name. */
  readonly ids = {
    conversation: (type: 'direct' | 'group', n: number) => (type === 'group' ? `#room-${n}` : `user-${n}`),
    sender: (n: number) => `user-${n}`,
  };
  private readonly server = new LineChatServer();
  private readonly users = new Map<string, Promise<LineChatUser>>();
  private readonly serverIds = new Map<string, string>(); // the server's id of each injected message

  async start() {
    await this.server.start();
  }
  async stop() {
    await this.server.stop();
  }
  options() {
    return { port: this.server.port, name: BOT };
  }

  async detached() {
    const users = await Promise.all(this.users.values());
    this.users.clear();
    await Promise.all(users.map((u) => u.close()));
  }

  async inject(m: InjectedMessage) {
    let id = this.serverIds.get(m.id);
    const acked = id ? this.server.ackCount(id, BOT) : 0;
    if (id)
      this.server.redeliver(id); // the same message again
    else {
      const user = await this.user(m.sender.id);
      id = await user.say(m.conversation.type === 'group' ? m.conversation.id : BOT, m.mentionsBot ? `@${BOT} ${m.text}` : m.text);
      this.serverIds.set(m.id, id);
    }
    for (const until = Date.now() + 5000; this.server.ackCount(id, BOT) === acked; await new Promise((r) => setTimeout(r, 10))) {
      if (Date.now() > until) throw new Error(`the bot did not acknowledge message ${id}`);
    }
    return { messageId: id };
  }

  async received(): Promise<ReceivedMessage[]> {
    return this.server.messages.filter((m) => m.from === BOT).map((m) => ({ conversationId: m.to, text: m.text, platformId: m.id }));
  }

  failNext(kind: FailureKind) {
    this.server.failNext(BOT, kind === 'retryable' ? 503 : 403, kind === 'retryable' ? 'busy, try again' : 'you may not write here');
  }

  private user(name: string): Promise<LineChatUser> {
    let user = this.users.get(name);
    if (!user) this.users.set(name, (user = LineChatUser.connect(this.server.port, name)));
    return user;
  }
}

runConformance({ plugin: linechat, platform: new LineChatDriver() });

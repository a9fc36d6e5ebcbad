import { WebSocket } from 'ws';
import { runConformance, type AttachedGateway, type InjectedMessage, type PlatformDriver, type ReceivedMessage } from '../../core/testing';
import webchat from '../../plugins/webchat';
import { signToken } from '../../plugins/webchat/identity';

type Frame = { type: string; id?: string; text?: string; message?: string; actions?: Array<{ token: string; label: string }> };

/** The embedding site's secret: the driver signs each visitor's identity with it, as the site would. */
const SITE_SECRET = 'conformance-site-secret';

/**
 * The web chat's "platform" is the browser page: one WebSocket per visitor, as the page's script uses
 * it, signed in by the embedding site. A visitor is a direct conversation of its own, so a conversation
 * id is the visitor id. Bubbles are kept by id and updated by `update` and `delete` frames, as the page does.
 */
class WebchatDriver implements PlatformDriver {
  readonly ids = { conversation: (_type: string, n: number) => visitor(n), sender: visitor };
  readonly supports = { groups: false, failures: ['retryable' as const] };
  private url = '';
  private readonly tabs = new Map<string, Promise<WebSocket>>();
  private readonly got = new Map<string, ReceivedMessage & { tokens: Record<string, string> }>();
  private readonly waiting = new Map<string, { resolve: () => void; reject: (err: Error) => void }>();
  private reopening?: NodeJS.Timeout;

  options(): Record<string, unknown> {
    return { identitySecret: SITE_SECRET };
  }

  async attached(gw: AttachedGateway): Promise<void> {
    this.url = `${gw.httpUrl.replace(/^http/, 'ws')}/${gw.channel}/${gw.account}/ws`;
  }

  async detached(): Promise<void> {
    clearTimeout(this.reopening);
    await Promise.all([...this.tabs.keys()].map((v) => this.close(v)));
  }

  async inject(m: InjectedMessage): Promise<{ messageId: string }> {
    const ws = await this.tab(m.sender.id);
    const acked = new Promise<void>((resolve, reject) => this.waiting.set(m.id, { resolve, reject }));
    ws.send(JSON.stringify({ type: 'message', id: m.id, text: m.text }));
    await acked;
    // The plugin names a visitor's message `<visitor>.<page id>`.
    return { messageId: `${m.sender.id}.${m.id}` };
  }

  async received(): Promise<ReceivedMessage[]> {
    return [...this.got.values()].map(({ tokens: _tokens, ...m }) => m);
  }

  /** The visitor presses the button labelled `label` under bubble `platformId`; resolves once the gateway acked the click. */
  async click(platformId: string, label: string, sender: number): Promise<void> {
    const token = this.got.get(platformId)?.tokens[label];
    if (!token) throw new Error(`no button "${label}" under ${platformId}`);
    const ws = await this.tab(visitor(sender));
    const id = `click-${platformId.replace(/[^\w-]/g, '').slice(-40)}`;
    const acked = new Promise<void>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    ws.send(JSON.stringify({ type: 'click', id, message: platformId, token }));
    await acked;
  }

  /** The visitor closes the page (the answer is held for later), and comes back half a second later. */
  failNext(_kind: 'retryable', conversationId: string): void {
    void this.close(conversationId);
    this.reopening = setTimeout(() => void this.tab(conversationId), 500);
  }

  private tab(visitorId: string): Promise<WebSocket> {
    let tab = this.tabs.get(visitorId);
    if (tab) return tab;
    tab = new Promise<WebSocket>((resolve, reject) => {
      const identity = signToken({ sub: visitorId, exp: Math.floor(Date.now() / 1000) + 3600 }, SITE_SECRET);
      const ws = new WebSocket(`${this.url}?identity=${identity}`);
      ws.on('message', (data) => {
        const f = JSON.parse(data.toString()) as Frame;
        if (f.type === 'hello') resolve(ws);
        else this.onFrame(visitorId, f);
      });
      ws.once('error', reject);
    });
    this.tabs.set(visitorId, tab);
    return tab;
  }

  private onFrame(visitorId: string, f: Frame): void {
    if (f.type === 'reply' || f.type === 'update') {
      const actions = f.actions ?? [];
      this.got.set(`wc_${f.id}`, {
        conversationId: visitorId,
        text: f.text ?? '',
        platformId: `wc_${f.id}`,
        buttons: actions.map((a) => a.label),
        tokens: Object.fromEntries(actions.map((a) => [a.label, a.token])),
      });
    }
    const bubble = f.type === 'delete' ? this.got.get(`wc_${f.id}`) : undefined;
    if (bubble) bubble.deleted = true;
    const waiter = f.id ? this.waiting.get(f.id) : undefined;
    if (!waiter || (f.type !== 'ack' && f.type !== 'error')) return;
    this.waiting.delete(f.id!);
    if (f.type === 'ack') waiter.resolve();
    else waiter.reject(new Error(`the gateway refused the message: ${f.message}`));
  }

  private async close(visitorId: string): Promise<void> {
    const tab = this.tabs.get(visitorId);
    this.tabs.delete(visitorId);
    const ws = await tab?.catch(() => undefined);
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close();
    });
  }
}

function visitor(n: number): string {
  return `visitor-${String(n).padStart(4, '0')}`;
}

runConformance({ plugin: webchat, platform: new WebchatDriver() });

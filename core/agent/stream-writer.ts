import type { OutboundEnvelope, Receipt } from '../contract/schemas';
import { hashId } from '../plugin/text';

/** How the writer publishes: resolves once JetStream stored the envelope, with the promise of its receipt. */
export type Publish = (envelope: OutboundEnvelope) => Promise<{ receipt: Promise<Receipt> }>;

/** What the final frame may carry besides its text. */
export type DoneBody = Pick<OutboundEnvelope, 'format' | 'actions'>;

/**
 * One streaming answer, as `agent.stream(msg)` returns it: `update(textSoFar)` as the model writes,
 * then `done(finalText)`. Every frame is a full snapshot; while one is being stored, newer updates
 * replace each other and only the latest goes out next, so a fast model never queues more than one
 * frame. Frames are published in order with ids derived from the stream's (`<id>.<n>`), so a handler
 * run again for the same message republishes the same ids and the gateway sends nothing twice.
 */
export class StreamWriter {
  /** The stream's envelope id: `edit()` and `delete()` take it (with the channel and account). */
  readonly id: string;
  /** The open envelope's receipt: the platform message the stream is. */
  readonly opened: Promise<Receipt>;
  private chain: Promise<unknown>;
  private frames = 0;
  private latest?: string;
  private publishing = false;
  private finished = false;

  constructor(
    open: OutboundEnvelope,
    private readonly publish: Publish,
    private readonly onError: (err: Error) => void,
    private readonly format?: OutboundEnvelope['format'],
  ) {
    this.id = open.id;
    const published = publish(open);
    this.chain = published;
    this.opened = published.then((p) => p.receipt);
    // Nobody may await `opened`: its failure is reported by done(), which fails the same way.
    this.opened.catch(() => undefined);
  }

  /** The text so far (a snapshot, not a delta). Returns at once; a failure to publish is reported to `onError`. */
  update(text: string): void {
    if (this.finished) throw new Error(`stream "${this.id}" is done: update() after done()`);
    this.latest = text;
    if (!this.publishing) this.flush();
  }

  /** The final text: the message shows exactly this. Resolves with the final frame's ok receipt. */
  async done(text: string, body: DoneBody = {}): Promise<Receipt> {
    if (this.finished) throw new Error(`stream "${this.id}" is done already`);
    this.finished = true;
    this.latest = undefined;
    await this.chain.catch(() => undefined);
    await this.opened;
    const last = await this.publish(this.frame(text, { done: true, ...body }));
    return last.receipt;
  }

  private flush(): void {
    this.publishing = true;
    const text = this.latest!;
    this.latest = undefined;
    this.chain = this.chain
      .then(() => this.publish(this.frame(text)))
      // A frame's receipt says little (often "superseded"); only the final one is awaited.
      .then((p) => void p.receipt.catch(() => undefined))
      .catch((err: Error) => this.onError(new Error(`stream "${this.id}": a frame was not published: ${err.message}`)))
      .finally(() => {
        this.publishing = false;
        if (this.latest !== undefined && !this.finished) this.flush();
      });
  }

  private frame(text: string, extra: Partial<OutboundEnvelope> = {}): OutboundEnvelope {
    const n = ++this.frames;
    const id = `${this.id}.${n}`;
    return {
      v: 1,
      id: id.length <= 64 ? id : hashId(id, 64),
      edit: this.id,
      text,
      ...(this.format ? { format: this.format } : {}),
      ...extra,
    };
  }
}

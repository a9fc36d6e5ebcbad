import type { JsMsg } from '@nats-io/jetstream';
import { sleep } from '../plugin/timing';

/**
 * The envelopes a new lease holder receives while the previous holder's come back: those at or below
 * the stream sequence the consumer had delivered at takeover are the previous holder's; the rest are
 * newer. Nothing is acknowledged meanwhile, so the previous holder's envelopes are all back when the
 * server counts as taken exactly the envelopes in hand. Done then, or after `waitMs`.
 */
export class Takeover {
  /** By stream sequence: the server may hand the same envelope over twice; the later copy is kept. */
  private readonly previous = new Map<number, JsMsg>();
  private readonly newer = new Map<number, JsMsg>();
  private readonly started = Date.now();
  private ended = false;

  constructor(
    private readonly lastDelivered: number,
    waitMs: number,
    pendingNow: () => Promise<number>,
    done: (waitedMs: number) => void,
  ) {
    void (async () => {
      while (!this.ended && Date.now() - this.started < waitMs) {
        await sleep(200);
        if (this.ended) return;
        const pending = await pendingNow().catch(() => Infinity);
        if (pending <= this.previous.size + this.newer.size) break;
      }
      if (!this.ended) done(Date.now() - this.started);
    })();
  }

  /** Keeps `m`; returns the earlier copy of the same envelope it replaces, if any. */
  add(m: JsMsg): JsMsg | undefined {
    const into = m.seq <= this.lastDelivered ? this.previous : this.newer;
    const earlier = into.get(m.seq);
    into.set(m.seq, m);
    return earlier;
  }

  release(): { previous: JsMsg[]; newer: JsMsg[]; all: JsMsg[] } {
    this.ended = true;
    const previous = [...this.previous.values()].sort((x, y) => x.seq - y.seq);
    const newer = [...this.newer.values()];
    return { previous, newer, all: [...previous, ...newer] };
  }
}

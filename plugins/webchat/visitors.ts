import { WebSocket } from 'ws';
import { BoundedMap } from '../../core/plugin';
import type { ServerFrame } from './protocol';

/** Streams whose latest frame is kept for a page that reloads: this many visitors, this many streams each. */
const MAX_VISITORS_WITH_STREAMS = 10_000;
const MAX_STREAMS_PER_VISITOR = 10;

type Snapshot = Extract<ServerFrame, { type: 'update' }>;

/**
 * The open tabs of each visitor, and the latest frame of each of their open streams: a page that
 * (re)connects mid-stream is sent that frame at once, then the next ones live.
 */
export class Visitors {
  private readonly tabs = new Map<string, Set<WebSocket>>();
  private readonly streams = new BoundedMap<string, Map<string, Snapshot>>(MAX_VISITORS_WITH_STREAMS);

  /** Adds a tab and sends it the visitor's open streams. */
  attach(visitor: string, ws: WebSocket): void {
    let tabs = this.tabs.get(visitor);
    if (!tabs) this.tabs.set(visitor, (tabs = new Set()));
    tabs.add(ws);
    ws.on('close', () => {
      tabs.delete(ws);
      if (tabs.size === 0 && this.tabs.get(visitor) === tabs) this.tabs.delete(visitor);
    });
    for (const frame of this.streams.get(visitor)?.values() ?? []) ws.send(JSON.stringify(frame));
  }

  open(visitor: string): WebSocket[] {
    return [...(this.tabs.get(visitor) ?? [])].filter((ws) => ws.readyState === WebSocket.OPEN);
  }

  /** Sends a frame to every open tab of the visitor (but `except`); resolves to how many took it. */
  async send(visitor: string, frame: ServerFrame, except?: WebSocket): Promise<number> {
    const data = JSON.stringify(frame);
    const tabs = this.open(visitor).filter((ws) => ws !== except);
    const sent = await Promise.all(tabs.map((ws) => new Promise<boolean>((resolve) => ws.send(data, (err) => resolve(!err)))));
    return sent.filter(Boolean).length;
  }

  /** Keeps the latest frame of an open stream (`frame.streaming`), or forgets the stream once it is final or deleted. */
  remember(visitor: string, id: string, frame: Snapshot | undefined): void {
    let streams = this.streams.get(visitor);
    if (!frame?.streaming) {
      streams?.delete(id);
      if (streams?.size === 0) this.streams.delete(visitor);
      return;
    }
    if (!streams) this.streams.set(visitor, (streams = new Map()));
    streams.delete(id);
    streams.set(id, frame);
    if (streams.size > MAX_STREAMS_PER_VISITOR) streams.delete(streams.keys().next().value as string);
  }

  /** The latest frame of an open stream, if kept. */
  snapshot(visitor: string, id: string): Snapshot | undefined {
    return this.streams.get(visitor)?.get(id);
  }

  closeAll(): void {
    this.tabs.clear();
    this.streams.clear();
  }
}

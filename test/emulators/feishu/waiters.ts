/** Promise helpers over EventEmitter notifications, with timeouts. */
import type { EventEmitter } from 'node:events';

/** Resolve with the first `event` payload matching `pred`; reject after `timeoutMs`. */
export function nextEvent<T>(em: EventEmitter, event: string, pred: (x: T) => boolean, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (x: T): void => {
      if (!pred(x)) return;
      clearTimeout(timer);
      em.off(event, on);
      resolve(x);
    };
    const timer = setTimeout(() => {
      em.off(event, on);
      reject(new Error(`no matching '${event}' within ${timeoutMs} ms`));
    }, timeoutMs);
    em.on(event, on);
  });
}

/** Resolve once `cond()` holds, re-checking whenever one of `events` fires; reject after `timeoutMs`. */
export function until(em: EventEmitter, cond: () => boolean, events: string[], timeoutMs: number, what: string): Promise<void> {
  if (cond()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!cond()) return;
      done();
      resolve();
    };
    const done = (): void => {
      clearTimeout(timer);
      for (const e of events) em.off(e, check);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    for (const e of events) em.on(e, check);
  });
}

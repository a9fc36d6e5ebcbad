import { createInbox, type NatsConnection } from '@nats-io/transport-node';

/** What a gathering's `start` gets: the way to end it, and timers that end with it. */
export interface Gathering {
  /** Ends the gathering: every answer wanted came, or time ran out. */
  finish(): void;
  /** `setTimeout`, cleared when the gathering ends. */
  after(ms: number, fn: () => void): NodeJS.Timeout;
}

/**
 * Publishes a request that every gateway on this NATS answers (no queue group: each replica does) and
 * gathers the answers on a fresh inbox until `finish` is called. `start` runs once the request is out
 * and gives what to do with each answer that is not empty.
 */
export async function gatherAnswers<T>(
  nc: NatsConnection,
  subject: string,
  payload: string,
  start: (gathering: Gathering) => (answer: T) => void,
): Promise<void> {
  const inbox = createInbox();
  const timers = new Set<NodeJS.Timeout>();
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  // No answer can come before the request is out, when `start` gives the real handler.
  let onAnswer: (answer: T) => void = () => undefined;
  const sub = nc.subscribe(inbox, {
    callback: (err, msg) => {
      if (err || msg.data.length === 0) return;
      onAnswer(msg.json<T>());
    },
  });
  await nc.flush();
  nc.publish(subject, payload, { reply: inbox });
  const after = (ms: number, fn: () => void) => {
    const timer = setTimeout(fn, ms);
    timers.add(timer);
    return timer;
  };
  onAnswer = start({ finish, after });
  await finished;
  for (const timer of timers) clearTimeout(timer);
  sub.unsubscribe();
}

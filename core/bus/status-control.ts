import { createInbox, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Subjects } from '../contract/subjects';

/** One instance as the replica running it sees it. */
export interface RunningInstance {
  channel: string;
  account: string;
  /** Where its entry comes from: the config file or the accounts bucket. */
  source: 'file' | 'nats';
  /** The instance's lifecycle: `started`, `failed` (retrying), `starting`... */
  lifecycle: string;
  /** The connection state it last reported (`connected`, `reconnecting`...), when and why. */
  state?: string;
  since?: string;
  detail?: string;
  /** The last start failure, with what to check. */
  error?: string;
  hint?: string;
  /** This replica sends the account's outbound envelopes now. */
  sending: boolean;
}

/** What one gateway process answers on `<prefix>.control.status`. */
export interface ReplicaStatus {
  replica: string;
  version: string;
  startedAt: string;
  instances: RunningInstance[];
  /** Whether JetStream can store what this replica receives and sends (absent: an older gateway). */
  storage?: { ok: boolean; cause?: string; since: string };
  /** Entries of the accounts bucket this replica refused, with why. */
  refused: Array<{ key: string; problems: string[] }>;
}

/** Every gateway answers with what it runs now (no queue group: each replica answers). */
export function serveStatus(nc: NatsConnection, s: Subjects, snapshot: () => ReplicaStatus, log: Logger): Subscription {
  return nc.subscribe(s.control('status'), {
    callback: (err, msg) => {
      if (err || !msg.reply) return;
      try {
        msg.respond(JSON.stringify(snapshot()));
      } catch (e) {
        log.warn({ err: (e as Error).message }, 'status request not answered');
      }
    },
  });
}

/**
 * Asks every gateway on this NATS and prefix what it runs, and gathers the answers: until `quietMs`
 * passed without a new one (all replicas answer at once), at most `maxMs`. None: no gateway runs.
 */
export async function requestStatus(
  nc: NatsConnection,
  s: Subjects,
  opts: { quietMs?: number; maxMs?: number } = {},
): Promise<ReplicaStatus[]> {
  const { quietMs = 300, maxMs = 3000 } = opts;
  const inbox = createInbox();
  const answers: ReplicaStatus[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  let quiet: NodeJS.Timeout | undefined;
  const sub = nc.subscribe(inbox, {
    callback: (err, msg) => {
      if (err || msg.data.length === 0) return;
      answers.push(msg.json<ReplicaStatus>());
      clearTimeout(quiet);
      quiet = setTimeout(done, quietMs);
    },
  });
  await nc.flush();
  nc.publish(s.control('status'), '', { reply: inbox });
  // The first answer may take a round trip or two on a remote server: wait for it longer than for the rest.
  quiet = setTimeout(done, Math.min(maxMs, 1000));
  const cap = setTimeout(done, maxMs);
  await finished;
  clearTimeout(quiet);
  clearTimeout(cap);
  sub.unsubscribe();
  return answers;
}

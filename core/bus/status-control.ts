import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Subjects } from '../contract/subjects';
import { gatherAnswers } from './gather';

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
  const answers: ReplicaStatus[] = [];
  await gatherAnswers<ReplicaStatus>(nc, s.control('status'), '', ({ finish, after }) => {
    // The first answer may take a round trip or two on a remote server: wait for it longer than for the rest.
    let quiet = after(Math.min(maxMs, 1000), finish);
    after(maxMs, finish);
    return (status) => {
      answers.push(status);
      clearTimeout(quiet);
      quiet = after(quietMs, finish);
    };
  });
  return answers;
}
